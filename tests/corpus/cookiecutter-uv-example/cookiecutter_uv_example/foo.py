def foo(bar: str) -> str:
    return bar
