#!/usr/bin/env python3
"""vnicsh's interactive shell through a real pseudo-terminal, as a user types at it.

Usage: shell-pty.py VNICSH URI STATE_HOME

URI names a connection on which the domains web1 and web2 are defined, web1 with the
interfaces ua-front and ua-back (shell-lib.sh). Checks: the prompt names the connection; Tab
completes a command, a domain name, an interface alias and an option, and lists the
candidates of an ambiguous word; the completed command runs and prints; help COMMAND; Ctrl-C
drops the line but not the shell, and stops events (twice); connect changes the prompt;
quit; the history lands in STATE_HOME/vnic/vnicsh_history (directory 0700) and a second
session recalls it; a history directory or file that is a symbolic link is not followed; a
history that is a FIFO is not waited on.
Exits 1 on the first failure, with what the terminal showed.
"""
import os
import pty
import re
import select
import stat
import sys
import time

vnicsh, uri, state_home = sys.argv[1:4]
PROMPT = f"vnicsh ({uri}) # " if os.geteuid() == 0 else f"vnicsh ({uri}) > "


class Session:
    def __init__(self, env_extra=None):
        env = dict(os.environ)
        # A terminal with no capabilities: readline redraws with plain characters, which are
        # what the checks read. No user inputrc changes the key bindings.
        env.update({"TERM": "dumb", "INPUTRC": "/dev/null", "XDG_STATE_HOME": state_home,
                    "COLUMNS": "200", "LINES": "50"})
        env.update(env_extra or {})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(vnicsh, [vnicsh, "-c", uri], env)
            finally:
                os._exit(127)
        self.seen = ""  # everything the terminal showed
        self.pos = 0    # where the next expect() starts looking

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the other side is closed
            return None
        if not data:
            return None
        self.seen += data.decode("utf-8", "replace")
        return True

    def expect(self, text, what, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            i = self.clean().find(text, self.pos)
            if i >= 0:
                self.pos = i + len(text)
                return
            left = deadline - time.monotonic()
            if left <= 0 or self.read(left) is None:
                fail(f"{what}: {text!r} never showed", self)

    def clean(self):
        # The carriage returns, backspaces and bells of readline's redisplay are no text.
        return re.sub(r"[\r\b\a]", "", self.seen)

    def type(self, keys):
        os.write(self.fd, keys.encode())

    def wait(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self.read(0.1):
                    pass
                return os.waitstatus_to_exitcode(status)
            self.read(0.2)
        fail("the shell did not end", self)


def fail(msg, session=None):
    print(f"FAIL: {msg}", file=sys.stderr)
    if session:
        print("---- the terminal showed:\n" + session.clean() + "\n----", file=sys.stderr)
        print(repr(session.seen), session.pos, file=sys.stderr)
        try:
            os.kill(session.pid, 9)
        except ProcessLookupError:
            pass
    sys.exit(1)


history = os.path.join(state_home, "vnic", "vnicsh_history")


def tab_then_dumpxml(s, typed, shown, name, what):
    """Type TYPED (ending in a Tab), see SHOWN on the line, run it: dumpxml of NAME."""
    s.type(typed)
    s.expect(shown, what)
    s.type("\n")
    s.expect(f"<name>{name}</name>", f"dumpxml's output after {what}")
    s.expect(PROMPT, f"the prompt after {what}")

# ---- the first session --------------------------------------------------------------------
s = Session()
s.expect(PROMPT, "the prompt")

# A command completed from its first letters; a domain name: the common part of web1 and
# web2, both listed on a second Tab, then the one chosen.
s.type("dumpx\t")
s.expect("dumpxml ", "Tab on 'dumpx'")
s.type("w\t")
s.expect("web", "Tab on the domain 'w'")
# readline lists on the Tab after one that changed nothing.
s.type("\t\t")
s.expect("web1", "the domains listed")
s.expect("web2", "the domains listed")
tab_then_dumpxml(s, "1\t", "dumpxml web1 ", "web1", "Tab on the domain 'web1'")

# An ambiguous word: a second Tab lists the candidates.
s.type("domif\t\t")
for c in ("domif-getlink", "domif-setlink", "domiflist", "domifstat", "domiftune"):
    s.expect(c, "the candidates of 'domif'", timeout=5)
    s.pos = 0  # in any order on the screen
# The line is shown again under the list; Ctrl-C drops it, the shell stays.
s.pos = s.clean().rfind("domiftune")
s.expect(PROMPT + "domif", "the line under the candidates")
s.type("\x03")
s.expect("^C\n" + PROMPT, "a fresh prompt after Ctrl-C")

# An interface alias of the domain named before it, and an option of the command.
s.type("domifstat web1 ua-f\t")
s.expect("ua-front ", "Tab on the alias 'ua-f'")
s.type("--js\t")
s.expect("--json ", "Tab on the option '--js'")
s.type("\x15")  # Ctrl-U: the line typed so far is dropped

s.type("help domiflist\n")
s.expect("Usage: vnicsh domiflist", "help COMMAND")
s.expect(PROMPT, "the prompt after help")
s.type("list --all\n")
s.expect("web1", "list --all")
s.expect("defined", "list --all")
s.expect(PROMPT, "the prompt after list")
# A failing command leaves the shell running.
s.type("start nosuch\n")
s.expect("error:", "start nosuch")
s.expect(PROMPT, "the prompt after a failure")
# events runs until Ctrl-C, which stops it and not the shell; a second one runs until its own
# Ctrl-C (an interrupt flag left over would end it at once).
for n in (1, 2):
    s.type("events\n")
    s.expect("Listening for events", f"events #{n}")
    if n == 2:
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            s.read(0.2)
        if PROMPT in s.clean()[s.pos:]:
            fail("the second events ended by itself", s)
    s.type("\x03")
    s.expect(PROMPT, f"the prompt after Ctrl-C in events #{n}")
s.type("quit\n")
code = s.wait()
if code != 0:
    fail(f"quit: exit status {code}", s)

# ---- the history ----------------------------------------------------------------------------
try:
    st = os.lstat(os.path.dirname(history))
    lines = open(history).read().splitlines()
except OSError as e:
    fail(f"no history: {e}")
if not stat.S_ISDIR(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o700:
    fail(f"the history directory has mode {oct(st.st_mode)}, not a directory 0700")
if stat.S_IMODE(os.lstat(history).st_mode) & 0o077:
    fail("the history file is readable by others")
want = ["dumpxml web1", "help domiflist", "list --all", "start nosuch", "events", "quit"]
if [l.strip() for l in lines] != want:
    fail(f"history is {lines}, expected {want}")

# ---- a second session recalls it; Ctrl-D ends it -------------------------------------------
s = Session()
s.expect(PROMPT, "the prompt of the second session")
s.type("\x10" * 4)  # Ctrl-P four times: 'list --all' (events is there once)
s.type("\n")
s.expect("list --all", "the recalled line")
s.expect("defined", "the recalled command's output")
s.expect(PROMPT, "the prompt after the recalled command")
s.type("\x04")  # Ctrl-D on an empty line: end of input
code = s.wait()
if code != 0:
    fail(f"Ctrl-D: exit status {code}", s)
lines = open(history).read().splitlines()
if lines[-1] != "list --all" or len(lines) != len(want) + 1:
    fail(f"history after the second session: {lines}")

# ---- a history directory that is a symbolic link is not followed ----------------------------
elsewhere = os.path.join(state_home, "elsewhere")
os.mkdir(elsewhere, 0o700)
linked = os.path.join(state_home, "linked")
os.mkdir(linked, 0o700)
os.symlink(elsewhere, os.path.join(linked, "vnic"))
s = Session({"XDG_STATE_HOME": linked})
s.expect("it is a symbolic link", "the warning about the symbolic link")
s.expect(PROMPT, "the prompt without a history")
# connect: the prompt names the new connection.
s.type(f"connect {uri}2\n")
s.expect(PROMPT.replace(uri, uri + "2"), "the prompt after connect")
s.type("list\nexit\n")
code = s.wait()
if code != 0:
    fail(f"exit: exit status {code}", s)
if os.listdir(elsewhere):
    fail(f"the history was written through the symbolic link: {os.listdir(elsewhere)}")

# ---- a history file that is a symbolic link is neither read nor written through ----------
filelinked = os.path.join(state_home, "filelinked")
os.makedirs(os.path.join(filelinked, "vnic"), 0o700)
target = os.path.join(state_home, "target")
with open(target, "w") as f:
    f.write("secret\n")
os.symlink(target, os.path.join(filelinked, "vnic", "vnicsh_history"))
s = Session({"XDG_STATE_HOME": filelinked})
s.expect("it is a symbolic link", "the warning about the linked file")
s.expect(PROMPT, "the prompt")
s.type("\x10")  # Ctrl-P: nothing was read, so nothing comes back
s.type("list\nquit\n")
code = s.wait()
if code != 0:
    fail(f"quit: exit status {code}", s)
if "secret" in s.clean():
    fail("the linked file was read into the history", s)
if open(target).read() != "secret\n":
    fail("the history was written through the linked file")
saved = os.path.join(filelinked, "vnic", "vnicsh_history")
if os.path.islink(saved) or open(saved).read().splitlines() != ["list", "quit"]:
    fail("the linked history file was not replaced by a file of its own")

# ---- a history file that is a FIFO neither holds the shell up nor is read -----------------
fifohome = os.path.join(state_home, "fifo")
os.makedirs(os.path.join(fifohome, "vnic"), 0o700)
os.mkfifo(os.path.join(fifohome, "vnic", "vnicsh_history"))
s = Session({"XDG_STATE_HOME": fifohome})
s.expect("not a regular file", "the warning about the FIFO", timeout=5)
s.expect(PROMPT, "the prompt with a FIFO for a history", timeout=5)
s.type("quit\n")
code = s.wait()
if code != 0:
    fail(f"quit after the FIFO: exit status {code}", s)

# ---- a line typed with a line break in it (Ctrl-V Ctrl-J) is one history entry, not two ------
nlhome = os.path.join(state_home, "nl")
os.makedirs(nlhome)
s = Session({"XDG_STATE_HOME": nlhome})
s.expect(PROMPT, "the prompt")
s.type("list\x16\n--all\n")
s.expect("Name", "list with a line break before --all")
s.expect(PROMPT, "the prompt after it")
s.type("quit\n")
if s.wait() != 0:
    fail("quit after the line break", s)
lines = open(os.path.join(nlhome, "vnic", "vnicsh_history")).read().splitlines()
if lines != ["list --all", "quit"]:
    fail(f"the history of a line with a line break: {lines}")

# ---- a huge history file: only its end is read, and what was cut short is not kept ----------
hugehome = os.path.join(state_home, "huge")
os.makedirs(os.path.join(hugehome, "vnic"), 0o700)
hugefile = os.path.join(hugehome, "vnic", "vnicsh_history")
with open(hugefile, "w") as f:
    for i in range(2000):
        f.write(f"list --all {i}\n")
    f.write("x" * (8 << 20) + "\n")
s = Session({"XDG_STATE_HOME": hugehome})
s.expect(PROMPT, "the prompt with a huge history")
s.type("quit\n")
if s.wait() != 0:
    fail("quit after the huge history", s)
if os.path.getsize(hugefile) > (1 << 20):
    fail(f"the huge history was read whole and written back ({os.path.getsize(hugefile)} bytes)")

# ---- a domain name with a blank and a quote is completed quoted, so that it runs whole ------
import subprocess
odd = os.path.join(state_home, "odd.xml")
with open(odd, "w") as f:
    f.write("<domain type='kvm'><name>my vm's</name><devices><interface type='ethernet'>"
            "<alias name='ua-x'/></interface></devices></domain>\n")
subprocess.run([vnicsh, "-c", uri, "define", odd], check=True, stdout=subprocess.DEVNULL)
s = Session()
s.expect(PROMPT, "the prompt")
tab_then_dumpxml(s, "dumpxml my\t", "'my vm'\\''s' ", "my vm's",
                 "Tab on 'my' (a name with a blank and a quote)")
# Within a quote the user opened, readline's own closing quote is enough.
tab_then_dumpxml(s, "dumpxml \"my\t", "vm's\" ", "my vm's", "Tab on '\"my'")
s.type("quit\n")
if s.wait() != 0:
    fail("quit after the odd name", s)
subprocess.run([vnicsh, "-c", uri, "undefine", "my vm's"], check=True, stdout=subprocess.DEVNULL)

print("ok")

