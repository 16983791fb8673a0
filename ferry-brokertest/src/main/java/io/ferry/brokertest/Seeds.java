package io.ferry.brokertest;

import java.util.Random;

/** Seeds for randomized tests: logged, and replayable with {@code -Dferry.seed=N}; any thread. */
public final class Seeds {
    private Seeds() {}

    /** A random source for {@code test}, printing its seed and how to replay it. */
    public static Random random(String test) {
        Long fixed = Long.getLong("ferry.seed");
        long seed =
                fixed != null
                        ? fixed
                        : System.nanoTime() ^ Thread.currentThread().getId() * 0x9E3779B97F4A7C15L;
        System.out.println("[" + test + "] seed=" + seed + " (replay: -Dferry.seed=" + seed + ")");
        return new Random(seed);
    }
}
