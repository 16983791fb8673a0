package io.ferry.mapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Bounded randomized stress in step mode: thousands of workers spawned, stopped and reassigned over
 * dozens of nodes while nodes fail, resolves fail, and mailboxes fill up. Every step is checked; at
 * the end the mapper must agree with the resolver. Replay a failure with the seed it prints: {@code
 * mvn -pl ferry-mapper verify -Dtest=MapperStressTest -Dferry.seed=<seed>}.
 */
@Tag("stress")
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MapperStressTest {
    private static final int NODES = 40;
    private static final int ROUNDS = 2_500;
    private static final long BACKOFF_MS = 10;

    @Test
    void randomChurn_withNodeFailures_staysConsistentAndConvergesToTheResolversRoutes() {
        long seed = Long.getLong("ferry.seed", System.nanoTime());
        String replay =
                "MapperStressTest seed="
                        + seed
                        + " (replay: mvn -pl ferry-mapper verify -Dtest=MapperStressTest -Dferry.seed="
                        + seed
                        + ")";
        System.out.println(replay);
        try {
            new Run(seed).run();
        } catch (AssertionError e) {
            throw new AssertionError(replay + ": " + e.getMessage(), e);
        }
    }

    /** One seeded run; all on the test thread. */
    private static final class Run {
        private final Random rnd;
        private final Harness h = new Harness(BACKOFF_MS, false);
        private final List<TestWorker> live = new ArrayList<>();
        private int spawnedWorkers;
        private int nodeFailures;
        private int nextName;

        Run(long seed) {
            rnd = new Random(seed);
        }

        void run() {
            for (int round = 0; round < ROUNDS; round++) {
                int ops = 1 + rnd.nextInt(12);
                for (int i = 0; i < ops; i++) {
                    operate();
                }
                h.clock.advanceNanos(
                        (long) (rnd.nextDouble() * 2 * TimeUnit.MILLISECONDS.toNanos(BACKOFF_MS)));
                h.step();
                checkWorkersAgreeWithTheMapper();
            }
            converge();
            checkConverged();
            shutDown();
            System.out.printf(
                    "MapperStressTest: %d workers spawned, %d node failures, %d executors spawned,"
                            + " %d reassignment passes, %d hand-overs%n",
                    spawnedWorkers,
                    nodeFailures,
                    h.resolver.spawned().size(),
                    h.mapper.core().passes(),
                    h.mapper.core().assignments());
            assertThat(spawnedWorkers).as("thousands of workers").isGreaterThan(2_000);
        }

        private void operate() {
            int op = rnd.nextInt(100);
            if (op < 30 || live.isEmpty()) {
                spawn();
            } else if (op < 40) {
                TestWorker w = live.remove(rnd.nextInt(live.size()));
                h.mapper.onWorkerStopped(w);
                if (rnd.nextInt(10) == 0) {
                    h.mapper.onWorkerStopped(w); // twice: harmless
                }
            } else if (op < 62) {
                TestWorker w = pick();
                h.resolver.route(w, node());
                if (rnd.nextInt(4) == 0) {
                    h.mapper.resolveNow(w); // a fresh answer: not deferred by the backoff
                } else {
                    h.mapper.triggerReassign(w);
                }
            } else if (op < 65) {
                failNode();
            } else if (op < 71) {
                TestWorker w = pick();
                switch (rnd.nextInt(3)) {
                    case 0 -> h.resolver.fail(w, new IllegalStateException("injected"));
                    case 1 -> h.resolver.route(w, null);
                    default -> {
                        h.resolver.heal(w);
                        h.resolver.route(w, node());
                    }
                }
                h.mapper.triggerReassign(w);
            } else if (op < 78) {
                TestWorker w = pick();
                w.accepting = !w.accepting;
            } else if (op < 92) {
                pick().drain();
            } else if (op < 96) {
                h.mapper.triggerReassign(pick()); // same route: the same executor again
            } else if (op < 98) {
                h.mapper.onWorkerStopped(new TestWorker("stranger")); // never spawned
            } else {
                h.mapper.onWorkerSpawned(pick()); // duplicate spawn
            }
        }

        private void spawn() {
            TestWorker w = new TestWorker("w" + nextName++, 1 + rnd.nextInt(3), null);
            h.resolver.route(w, node());
            live.add(w);
            spawnedWorkers++;
            h.mapper.onWorkerSpawned(w);
        }

        /**
         * A node fails: some of the workers the mapper has on it move, then the failure is
         * reported.
         */
        private void failNode() {
            String failed = node();
            for (TestWorker w : live) {
                TestExecutor current = w.current();
                if (current != null && current.node().equals(failed) && rnd.nextBoolean()) {
                    h.resolver.route(w, node());
                }
            }
            nodeFailures++;
            h.mapper.nodeFailed(failed);
        }

        /**
         * Runs after every step, so plain checks: an AssertJ chain per worker would dominate the
         * run.
         */
        private void checkWorkersAgreeWithTheMapper() {
            for (TestWorker w : live) {
                TestExecutor current = w.current();
                TestExecutor assigned = h.assignedTo(w);
                if (assigned != current) {
                    fail("the mapper has %s on %s but it accepted %s last", w, assigned, current);
                }
                if (current != null && current.isStopped()) {
                    fail("%s holds stopped %s", w, current);
                }
                if (w.nullOffered) {
                    fail("null offered to %s", w);
                }
            }
        }

        /**
         * Heals every fault and lets the retries run; no trigger is posted, so nothing may be
         * dropped.
         */
        private void converge() {
            for (TestWorker w : live) {
                h.resolver.heal(w);
                if (h.resolver.routeOf(w) == null) {
                    h.resolver.route(w, node()); // picked up by the pending retry
                }
                w.accepting = true;
                w.drain();
            }
            for (int i = 0; i < 10 && (i == 0 || h.mapper.core().pendingCount() > 0); i++) {
                h.clock.advanceMs(BACKOFF_MS);
                h.step();
                checkWorkersAgreeWithTheMapper();
            }
            assertThat(h.mapper.core().pendingCount()).as("workers still pending").isZero();
        }

        private void checkConverged() {
            Map<String, Integer> workersPerNode = new HashMap<>();
            for (TestWorker w : live) {
                String route = h.resolver.routeOf(w);
                TestExecutor current = w.current();
                assertThat(current).as("%s assigned", w).isNotNull();
                assertThat(current.node())
                        .as("%s on the node its resolver names", w)
                        .isEqualTo(route);
                assertThat(current)
                        .as("%s on its node's live executor", w)
                        .isSameAs(h.executorOf(route));
                workersPerNode.merge(route, 1, Integer::sum);
            }
            for (int n = 0; n < NODES; n++) {
                String node = "n" + n;
                int holders = workersPerNode.getOrDefault(node, 0);
                assertThat(h.mapper.core().references(node))
                        .as("references of %s", node)
                        .isEqualTo(holders);
                assertThat(h.executorOf(node) != null)
                        .as("%s has an executor", node)
                        .isEqualTo(holders > 0);
                assertThat(h.resolver.liveExecutor(node))
                        .as("live executor of %s", node)
                        .isSameAs(h.executorOf(node));
            }
            assertThat(h.resolver.liveExecutorCount()).isEqualTo(workersPerNode.size());
            h.assertConsistent();
        }

        private void shutDown() {
            h.mapper.requestStop();
            while (!live.isEmpty()) {
                h.mapper.onWorkerStopped(live.remove(rnd.nextInt(live.size())));
                if (rnd.nextInt(50) == 0) {
                    h.step();
                }
            }
            h.mapper.stop();
            assertThat(h.resolver.spawned())
                    .allSatisfy(e -> assertThat(e.isStopped()).as("%s stopped", e).isTrue());
            assertThat(h.resolver.violations()).isEmpty();
        }

        private TestWorker pick() {
            return live.get(rnd.nextInt(live.size()));
        }

        private String node() {
            return "n" + rnd.nextInt(NODES);
        }
    }
}
