"""The kazoo reference supervisor for bench/peers.ts: a yardstick, not a product.

Runs CHILD... while it holds kazoo's Election at PATH; stops the child (SIGTERM, then SIGKILL after STOP seconds)
on SUSPENDED or LOST, when the child exits, or on SIGTERM (then it leaves and exits) — each an event it blocks on,
never a polling loop, so that it is as fast as kazoo allows. No lease, no baton, no
process-tree tracking: it is as fast as an election client can be, which is what we compare against.

usage: /usr/bin/python3 kazoo_peer.py HOSTS PATH ID TIMEOUT_S STOP_S -- CHILD...
"""
import os
import signal
import subprocess
import sys
import threading

from kazoo.client import KazooClient, KazooState

hosts, path, ident, timeout, stop_s = sys.argv[1:6]
child_argv = sys.argv[sys.argv.index("--") + 1:]
zk = KazooClient(hosts=hosts, timeout=float(timeout))
shutdown = threading.Event()
lost = threading.Event()
wake = threading.Event()  # the current term's end: shutdown, a lost session, or its child's exit (one per term)
guard = threading.Lock()
child = None


def stop_child():
    global child
    with guard:
        proc, child = child, None
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(float(stop_s))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    print("child stopped", flush=True)


def on_state(state):
    if state in (KazooState.SUSPENDED, KazooState.LOST):
        lost.set()
        wake.set()
        threading.Thread(target=stop_child).start()


def lead():
    global child, wake
    lost.clear()
    term = wake = threading.Event()  # a new one: a late set from the last term's watcher cannot end this one
    if shutdown.is_set():
        return
    with guard:
        child = subprocess.Popen(child_argv, start_new_session=True)
        proc = child
    print("leading", flush=True)
    # No polling: a thread blocks on the child's exit; the term ends on whichever comes first.
    threading.Thread(target=lambda: (proc.wait(), term.set()), daemon=True).start()
    term.wait()
    stop_child()


def on_sigterm(*_):
    shutdown.set()
    wake.set()
    election.cancel()


zk.add_listener(on_state)
zk.start()
election = zk.Election(path, ident)
signal.signal(signal.SIGTERM, on_sigterm)
while not shutdown.is_set():
    try:
        election.run(lead)
    except Exception as err:  # connection trouble: try again on the next session
        print(f"election: {err}", flush=True)
        shutdown.wait(0.1)
zk.stop()
zk.close()
os._exit(0)
