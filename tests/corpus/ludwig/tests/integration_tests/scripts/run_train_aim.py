import aim

run = aim.Run()
