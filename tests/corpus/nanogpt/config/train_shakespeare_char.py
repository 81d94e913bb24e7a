out_dir = "out-shakespeare-char"
max_iters = 5000
