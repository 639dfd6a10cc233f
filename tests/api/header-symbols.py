#!/usr/bin/env python3
"""Print, one per line and sorted, the names of the functions declared in the C headers given
as arguments (the public headers of libvnic). A small parser, enough for the house style:
comments, preprocessor lines and typedefs are dropped, then every remaining top-level
declaration of the form `TYPE NAME(ARGS);` names a function. Function pointer typedefs and
struct members are not functions and are skipped."""
import re
import sys


def functions(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^[ \t]*#[^\n]*(\\\n[^\n]*)*", " ", text, flags=re.M)
    # Blank out every brace block (struct and enum bodies, extern "C" wrappers are opened
    # by a line we removed or by `extern "C" {`, handled below).
    text = re.sub(r'extern\s+"C"\s*\{', " ", text)
    out = []
    depth = 0
    buf = []
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            buf.append(c)
    names = set()
    for decl in "".join(buf).split(";"):
        decl = " ".join(decl.split())
        if not decl or decl.startswith("typedef"):
            continue
        m = re.match(r"^(?:extern\s+)?[A-Za-z_][\w\s\*]*?[\s\*]([A-Za-z_]\w*)\s*\(", decl)
        if m:
            names.add(m.group(1))
    return names


def main():
    names = set()
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            names |= functions(f.read())
    for n in sorted(names):
        print(n)


if __name__ == "__main__":
    main()
