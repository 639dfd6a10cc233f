#!/usr/bin/env python3
"""Build a man page from reStructuredText parts (the build's helper for vnicsh(1), vnicd(8)
and vnic-xml(5)).

    build-man.py RST2MAN OUTPUT VERSION PART... [--run PROGRAM ARGUMENT] PART...

The parts are joined in the order given; `--run PROGRAM ARGUMENT` puts PROGRAM's output there
(vnicsh --help-rst: the command reference from vnicsh's own command table). @VERSION@ in a part
becomes VERSION. rst2man runs with --halt=warning, so a page with a reST problem fails the
build instead of rendering wrongly.
"""
import os
import subprocess
import sys
import tempfile


def main(argv):
    rst2man, output, version = argv[1:4]
    rest = argv[4:]
    text = []
    i = 0
    while i < len(rest):
        if rest[i] == '--run':
            prog, arg = rest[i + 1], rest[i + 2]
            # The reference is English whatever the build's locale.
            env = dict(os.environ, LC_ALL='C', LANGUAGE='')
            text.append(subprocess.run([prog, arg], check=True, env=env, stdout=subprocess.PIPE,
                                       universal_newlines=True).stdout)
            i += 3
            continue
        with open(rest[i], encoding='utf-8') as f:
            text.append(f.read().replace('@VERSION@', version))
        i += 1
    with tempfile.NamedTemporaryFile('w', suffix='.rst', encoding='utf-8', delete=False) as tmp:
        tmp.write('\n'.join(text))
    try:
        subprocess.run([rst2man, '--halt=warning', '--no-generator', '--no-datestamp',
                        tmp.name, output], check=True)
    finally:
        os.unlink(tmp.name)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
