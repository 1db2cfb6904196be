/*
 * zk-supervisor's safety protocol (DESIGN §3), as a SPIN model: two hosts, each a supervisor with its leash and
 * job, on a ZooKeeper ensemble of a leader and one member per host. Checked: never two hosts' job processes alive
 * at once (the assertion at the top of the loop). model/README.md explains the model; model/check.mjs runs it and
 * its rule-removed variants (-DNO_SYNC, -DNO_DELIVERY, -DNO_BATON, -DNO_CONFIRM, -DNO_THIN, -DNO_UNCONFIRMED),
 * each of which must produce a counterexample.
 *
 * Time is discrete: one unit is the ZooKeeper leader's ping period (tickTime / 2). Every clock is an age or a
 * time left, saturated, so the state space is finite and the search covers unbounded runs. Everything a
 * process does between two ticks of the clock happens in any order, atomically per step.
 */
#ifndef T
#define T      6  /* session timeout */
#endif
#define M      1  /* the lease's margin */
#define S      2  /* stopTimeout: the leash's grace */
#define TICK   2  /* the servers' tickTime (the delivery rule's gap) */
#define NONE   255
#ifdef NO_BATON
#define NO_UNCONFIRMED /* the baton's fallback goes with it: nothing waits for the previous term */
#endif
#ifndef FAULTS
#define FAULTS 3  /* faults injected per run: cuts, freezes, kills, deletions (healing is free) */
#endif

/* supervisor states */
#define DOWN  0 /* killed (kill -9); may come back as a new process */
#define IDLE  1 /* no session */
#define CAND  2 /* in the queue */
#define BATON 3 /* won; our baton made; waiting for an earlier one, the unconfirmed term, or a lease to start on */
#define RUN   4 /* the job was asked to run (or has ended: see the leash) */
#define STOP  5 /* asked the leash to stop; waiting for its report */
#define REL   6 /* the job is confirmed gone: drop the baton, then queue again */
#define RST   7 /* the job is confirmed gone: run it again in the same term, or release */
/* leash states */
#define FREE     0 /* no run */
#define RUNNING  1
#define STOPPING 2
#define REPORTED 3 /* "no descendant left" sent */

/* ZooKeeper, as its leader sees it */
bit  sess[2];         /* session alive */
byte tA[2];           /* age of the session's last touch the leader has seen */
byte mP[2] = NONE;           /* age of the touch the member recorded and has not forwarded yet (NONE: none) */
bit  cand[2];         /* candidate node */
byte first;           /* whose candidate node is older, when both exist */
bit  bat[2];          /* baton */
byte bfirst;          /* whose baton is older, when both exist */
byte lastT;           /* the leader node: 1 + host of the last term announced and not marked ended; 0: none */
/* links */
bit  ml[2] = 1;           /* member <-> ZooKeeper leader */
bit  cl[2] = 1;           /* supervisor <-> its member */
/* supervisors */
byte sup[2] = IDLE;
bit  frz[2];          /* frozen (SIGSTOP) */
byte hb[2] = NONE;           /* age of the send of the outstanding heartbeat (NONE: none) */
byte vs[2] = NONE; byte va[2];  /* the newest answered heartbeat not yet delivered: send, answer ages */
byte dlv[2];          /* age of the send of the newest delivered heartbeat */
byte uw[2] = NONE;           /* time left of the wait for an unconfirmed previous term (NONE: not waiting) */
/* leashes and jobs */
byte lsh[2];
byte g[2];            /* grace left while stopping */
bit  job[2];          /* the job's own process */
bit  esc[2];          /* a process the job started in a session of its own (setsid) */
byte faults = FAULTS;
#ifdef ANNOUNCE_AFTER
bit  ann[2];          /* the leader node names our term */
byte seen[2];         /* lastT when we won (the leader node's version) */
#endif
bit  fresh[2];        /* the leader node is as it was when we won (the version our write is made over) */
bit  lost[2];         /* the supervisor knows its term is lost: it starts nothing more in it */

#define other(i) (1 - (i))
#define up(i) (cl[i] && ml[i] && sess[i]) /* a write or a sync of host i reaches the leader and comes back */
#define leaseLeft(i) (dlv[i] + M < T -> T - M - dlv[i] : 0)
#define dueStop(i) (lsh[i] == RUNNING && leaseLeft(i) <= S) /* the leash's deadline has come */
#define L (T - M) /* ages from L on count for nothing: a lease from them is over */
#define leaderIs(i) (cand[i] && (!cand[other(i)] || first == i))
#define age(x, cap) x = (x == NONE -> NONE : (x < cap -> x + 1 : cap))
#define left(x) x = (x == NONE -> NONE : (x > 0 -> x - 1 : 0))

/* The leash stops: signal, grace, then SIGKILL; "stopped" once no descendant is left (DESIGN §3.3). */
#define leashStop(i, grace) lsh[i] = STOPPING; g[i] = (grace)
#define graceLeft(i) (leaseLeft(i) < S -> leaseLeft(i) : S) /* a stop the supervisor asks for */

inline queue(i) { cand[i] = 1; first = (cand[other(i)] -> other(i) : 0); lost[i] = 0 }
/* Canonical values for what no longer matters, so that equal situations are one state. */
#define norm first = (cand[0] && cand[1] -> first : 0); bfirst = (bat[0] && bat[1] -> bfirst : 0)
#define forget(i) hb[i] = NONE; vs[i] = NONE; va[i] = 0; dlv[i] = 0; uw[i] = NONE; lost[i] = 0 /* no session */
#define say(f) printf("host %d: ", i); printf(f) /* the trail in words (model/check.mjs adds the time) */

/* The heartbeat answered (sync, then exists, on the session): feed the ledger (DESIGN §3.1's delivery rule). */
inline answered(i) {
#ifdef NO_DELIVERY
  dlv[i] = (hb[i] < dlv[i] -> hb[i] : dlv[i]);
#else
  if /* the waiting heartbeat is delivered once one sent at least a server tick after its answer is answered */
  :: vs[i] != NONE && va[i] >= hb[i] + TICK -> dlv[i] = (vs[i] < dlv[i] -> vs[i] : dlv[i])
  :: else -> skip
  fi; /* one waiting heartbeat, the newest: the lease is never longer than the supervisor's (which keeps them all) */
  vs[i] = hb[i]; va[i] = 0;
#endif
  hb[i] = NONE;
  if /* the exists behind the sync finds our candidate node gone: the term is lost (its watch may lag, this not) */
  :: !cand[i] && sup[i] >= BATON && sup[i] != REL && !lost[i] -> lost[i] = 1; say("the heartbeat finds its node gone\n")
  :: else -> skip
  fi;
  if
  :: lost[i] && lsh[i] == RUNNING -> leashStop(i, graceLeft(i)); sup[i] = STOP
  :: else -> skip
  fi
  /* the lease renewed: the new stop deadline (lease end - S) goes to the leash with it, so the leash's deadline is
     always leaseLeft - S: only an answer, which the supervisor handles, moves either (dueStop below) */
}

/* Start a run: never on a lease that cannot cover the stop (DESIGN §3.1); the leash refuses a passed deadline. */
#ifdef NO_THIN
#define startable(i) (lsh[i] == FREE && !lost[i])
#else
#define startable(i) (lsh[i] == FREE && !lost[i] && leaseLeft(i) >= S + M)
#endif
inline start(i) {
#ifdef ANNOUNCE_AFTER
  ann[i] = (lastT == i + 1); /* a restart: announced already */
#else
  if :: sup[i] == BATON -> lastT = i + 1; fresh[other(i)] = 0 :: else -> skip fi; /* a restart: written already */
#endif
  lsh[i] = RUNNING; job[i] = 1; uw[i] = NONE; fresh[i] = 0; sup[i] = RUN; say("job started\n")
}
#ifdef ANNOUNCE_AFTER
#define announced(i) 1 /* the leader node is written after the start, over the version seen when we won */
#else
#define announced(i) (up(i) && fresh[i]) /* the leader node written over the version seen at the win, then the start */
#endif


inline expire(i) {
  sess[i] = 0; cand[i] = 0; bat[i] = 0; mP[i] = NONE; tA[i] = 0; norm; say("session expired\n");
  if :: lastT == i + 1 -> lastT = 0 :: else -> skip fi /* its pid node is gone: the waiter sees its session gone */
}

active [2] proctype host() {
  byte i = _pid;
  do
  /* ---- the supervisor (nothing while frozen or dead) ---- */
  :: atomic { sup[i] == IDLE && !frz[i] && !sess[i] && lsh[i] == FREE && cl[i] && ml[i] ->
       sess[i] = 1; tA[i] = 0; mP[i] = NONE; dlv[i] = 0; hb[i] = NONE; vs[i] = NONE; /* created */
       queue(i); sup[i] = CAND; say("new session, queued\n") }
#ifdef NO_SYNC
  :: atomic { sup[i] >= CAND && !frz[i] && hb[i] != NONE && cl[i] && sess[i] -> answered(i) } /* the member alone */
#else
  :: atomic { sup[i] >= CAND && !frz[i] && hb[i] != NONE && up(i) -> answered(i) }
#endif
  :: atomic { sup[i] >= CAND && !frz[i] && hb[i] != NONE && !cl[i] -> hb[i] = NONE } /* connection loss */
  :: atomic { sup[i] >= CAND && sup[i] <= BATON && !frz[i] && !sess[i] && cl[i] -> /* expired */
       sup[i] = IDLE; forget(i) }
  :: atomic { sup[i] == CAND && !frz[i] && !cand[i] && up(i) -> queue(i) } /* our node was deleted: queue again */
  :: atomic { sup[i] == CAND && !frz[i] && leaderIs(i) && up(i) ->  /* won: make our baton */
       bat[i] = 1; bfirst = (bat[other(i)] -> other(i) : 0); sup[i] = BATON; fresh[i] = 1;
#ifdef ANNOUNCE_AFTER
       seen[i] = lastT; ann[i] = 0;
#endif
       say("won, baton made\n") }
#ifdef NO_BATON
#define batonFree(i) 1
#else
#define batonFree(i) !(bat[other(i)] && bfirst == other(i)) /* every earlier baton is gone */
#endif
#ifdef NO_UNCONFIRMED
#define confirmed(i) 1
#else
#define confirmed(i) (lastT == 0 || lastT == i + 1 || uw[i] == 0) /* the last term ended, or was waited out */
  :: atomic { sup[i] == BATON && !frz[i] && cl[i] && sess[i] && batonFree(i) && !confirmed(i) && uw[i] == NONE ->
       uw[i] = T + S; say("waits for the unconfirmed term\n") } /* no baton; the leader node: a term not ended */
#endif
  :: atomic { sup[i] == BATON && !frz[i] && cl[i] && sess[i] && batonFree(i) && confirmed(i) && startable(i) &&
       announced(i) ->
       start(i) }
  :: atomic { sup[i] == BATON && !frz[i] && (!bat[i] || !cand[i]) && cl[i] -> /* lost before it ran */
       sup[i] = REL; uw[i] = NONE; fresh[i] = 0 }
#ifndef ANNOUNCE_AFTER
  :: atomic { sup[i] == BATON && !frz[i] && !fresh[i] && up(i) -> /* its write found the leader node rewritten */
       sup[i] = REL; uw[i] = NONE; say("its claim finds the leader node rewritten\n") }
#endif
  :: atomic { sup[i] == RUN && !frz[i] && lsh[i] == RUNNING -> /* stop, for any reason: resign, a deleted node, */
       leashStop(i, graceLeft(i)); sup[i] = STOP; say("stops its job\n") } /* drain, shutdown, lease lost... */
  :: atomic { sup[i] == RUN && !frz[i] && lsh[i] == STOPPING -> sup[i] = STOP }
  :: atomic { (sup[i] == RUN || sup[i] == STOP) && !frz[i] && lsh[i] == REPORTED ->
       lsh[i] = FREE; sup[i] = RST; say("told: the job is gone\n") }
  :: atomic { sup[i] == RST && !frz[i] && startable(i) -> start(i) } /* onExit: restart, the next tick, a trigger */
  :: atomic { sup[i] == RST && !frz[i] -> sup[i] = REL }
  :: atomic { sup[i] == REL && !frz[i] && up(i) ->  /* drop the baton, mark the term ended, queue again */
       bat[i] = 0; norm; if :: lastT == i + 1 -> lastT = 0; fresh[other(i)] = 0 :: else -> skip fi;
       cand[i] = 0; norm; queue(i); sup[i] = CAND; say("baton dropped, queued again\n") }
  :: atomic { sup[i] == REL && !frz[i] && !sess[i] && cl[i] -> /* the session ended meanwhile */
       sup[i] = IDLE; forget(i) }
  :: atomic { sup[i] == REL && !frz[i] && leaseLeft(i) == 0 -> /* lapsed while holding a term: do not resume it */
       if :: up(i) -> expire(i) :: else -> skip fi; sup[i] = IDLE; forget(i) } /* closed, or left to expire */
#ifdef ANNOUNCE_AFTER
  :: atomic { sup[i] >= RUN && sup[i] <= RST && !frz[i] && !ann[i] && up(i) ->
       ann[i] = 1;
       if
       :: lastT == seen[i] -> lastT = i + 1
       :: else -> lost[i] = 1; say("its announce finds the leader node rewritten\n");
          if :: lsh[i] == RUNNING -> leashStop(i, graceLeft(i)); sup[i] = STOP :: else -> skip fi
       fi }
#endif
  /* ---- the leash and the job (never frozen: §3.4 is outside the model) ---- */
  :: atomic { dueStop(i) -> leashStop(i, S); say("leash: the deadline, stopping\n") }
  :: atomic { job[i] && lsh[i] == RUNNING -> job[i] = 0; leashStop(i, S); say("the job exits by itself\n") }
  :: atomic { faults > 0 && job[i] && !esc[i] -> esc[i] = 1; faults--; say("FAULT the job escapes its group\n") }
  :: atomic { lsh[i] == STOPPING && job[i] -> job[i] = 0; say("the job stops on the signal\n") }
  :: atomic { esc[i] -> esc[i] = 0; say("the escaped process ends\n") }
#ifdef NO_CONFIRM
  :: atomic { lsh[i] == STOPPING && !job[i] -> lsh[i] = REPORTED; g[i] = 0; say("leash: stopped (the job is)\n") }
  :: atomic { lsh[i] == STOPPING && g[i] == 0 ->
       job[i] = 0; lsh[i] = REPORTED; say("leash: SIGKILL the group, stopped\n") }
#else
  :: atomic { lsh[i] == STOPPING && !job[i] && !esc[i] ->
       lsh[i] = REPORTED; g[i] = 0; say("leash: none left, stopped\n") }
  :: atomic { lsh[i] == STOPPING && g[i] == 0 ->
       job[i] = 0; esc[i] = 0; lsh[i] = REPORTED; say("leash: SIGKILL all, stopped\n") }
#endif
  /* ---- ZooKeeper ---- */
  :: atomic { sess[i] && tA[i] >= T -> expire(i) }
  /* ---- faults ---- */
  :: atomic { faults > 0 && ml[i] -> ml[i] = 0; faults--; say("FAULT its member is cut off from the quorum\n") }
  :: atomic { !ml[i] -> ml[i] = 1; say("its member's link heals\n"); /* what the link held arrives first */
       if :: mP[i] != NONE -> tA[i] = (mP[i] < tA[i] -> mP[i] : tA[i]); mP[i] = NONE :: else -> skip fi }
  :: atomic { faults > 0 && cl[i] -> cl[i] = 0; faults--; say("FAULT cut off from its member\n") }
  :: atomic { !cl[i] -> cl[i] = 1; say("its link heals\n") }
  :: atomic { faults > 0 && sup[i] != DOWN && !frz[i] -> frz[i] = 1; faults--; say("FAULT the supervisor is frozen\n") }
  :: atomic { frz[i] -> frz[i] = 0; say("the supervisor thaws\n") }
  :: atomic { faults > 0 && sup[i] != DOWN -> /* kill -9: the leash sees its control pipe close and stops */
       sup[i] = DOWN; frz[i] = 0; forget(i); faults--; say("FAULT kill -9 of the supervisor\n");
       if :: lsh[i] == RUNNING -> leashStop(i, S) :: else -> skip fi }
  :: atomic { sup[i] == DOWN && lsh[i] != RUNNING && lsh[i] != STOPPING ->
       lsh[i] = FREE; sup[i] = IDLE; say("a new supervisor process\n") }
  :: atomic { faults > 0 && cand[i] ->
       cand[i] = 0; norm; faults--; say("FAULT an operator deletes its candidate node\n") }
  :: atomic { faults > 0 && cand[i] && bat[i] ->
       cand[i] = 0; bat[i] = 0; norm; faults--; say("FAULT an operator deletes its node and baton\n") }
  od
}

/* The property: never two hosts' job processes at once (checked in every reachable state). */
active proctype monitor() {
  atomic { (job[0] || esc[0]) && (job[1] || esc[1]) -> printf("OVERLAP: both hosts' jobs are alive\n"); assert(false) }
}

/* The clock: one unit passes, but not while a leash is due to act (it is never late). */
active proctype clock() {
  byte k;
  do
  :: atomic {
       !dueStop(0) && !dueStop(1) &&
       !(lsh[0] == STOPPING && g[0] == 0) && !(lsh[1] == STOPPING && g[1] == 0) ->
       k = 0; printf("tick\n");
       do
       :: k < 2 ->
          if :: sess[k] -> age(tA[k], T); age(mP[k], T) :: else -> skip fi;
          if
          :: sup[k] >= CAND ->
             age(dlv[k], L);
             if :: hb[k] != NONE && hb[k] + 1 >= L -> hb[k] = NONE :: else -> age(hb[k], L) fi; /* too late to count */
             if :: vs[k] != NONE && vs[k] + 1 >= L -> vs[k] = NONE; va[k] = 0 :: else -> age(vs[k], L) fi;
             if :: vs[k] != NONE -> age(va[k], L) :: else -> skip fi
          :: else -> skip
          fi;
          if :: lsh[k] == STOPPING -> left(g[k]) :: else -> skip fi;
          if :: uw[k] != NONE -> left(uw[k]) :: else -> skip fi;
          if /* the leader's ping: the member forwards the touches it recorded before it */
          :: ml[k] && mP[k] != NONE -> tA[k] = (mP[k] < tA[k] -> mP[k] : tA[k]); mP[k] = NONE
          :: else -> skip
          fi;
          if /* the heartbeat (every unit, the leash's period at its shortest): sync sent, the member
             touches (forwarded at the next ping) */
          :: sup[k] >= CAND && !frz[k] && hb[k] == NONE && cl[k] ->
             hb[k] = 0; if :: sess[k] -> mP[k] = 0 :: else -> skip fi
          :: else -> skip
          fi;
          k++
       :: else -> k = 0; break
       od }
  od
}
