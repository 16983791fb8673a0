package io.ferry.gateway;

import java.lang.management.ManagementFactory;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the process fail fast and visibly when it cannot go on: an {@link Error} (an
 * OutOfMemoryError above all) in any thread, or any exception that kills one of Ferry's own threads
 * (named {@code ferry-*}: the Kafka engine's, the brokers'). Safe from any thread; the first
 * failure wins.
 *
 * <p>On a failure: one ERROR line naming the thread and the failure, {@code /healthz} answers 503
 * from then on, and the process exits with status {@value #EXIT_STATUS} (through the graceful
 * shutdown of the exit hook, halted if that takes longer than the shutdown timeout plus 5 s).
 * Without this a gateway whose engine thread died of an OutOfMemoryError went on answering {@code
 * /healthz} 200 and {@code ack=local} 202 while delivering nothing. The {@code ./ferry} launcher
 * also runs the JVM with {@code -XX:+ExitOnOutOfMemoryError}, which exits at the first
 * OutOfMemoryError wherever it is caught (Netty and Vert.x catch them in places).
 */
final class FatalErrors implements Thread.UncaughtExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FatalErrors.class);

    /** The exit status after a fatal failure (EX_SOFTWARE). */
    static final int EXIT_STATUS = 70;

    private final IntConsumer exit;
    private final long haltAfterMs;
    private volatile String failure;

    /**
     * @param exit exits the process ({@code System::exit}; tests pass a fake)
     * @param haltAfterMs after this long the process is halted if the exit has not finished
     */
    FatalErrors(IntConsumer exit, long haltAfterMs) {
        this.exit = exit;
        this.haltAfterMs = haltAfterMs;
    }

    /** What failed, or null while nothing did. */
    String failure() {
        return failure;
    }

    /** True for a failure that ends the process: any Error, or anything in a Ferry thread. */
    static boolean fatal(Thread t, Throwable e) {
        return e instanceof Error || t.getName().startsWith("ferry-");
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (fatal(t, e)) {
            fail("thread " + t.getName() + " died", e);
        } else {
            LOG.error("thread {} died; the gateway goes on", t.getName(), e);
        }
    }

    /** An exception Vert.x caught in a handler: fatal only when it is an Error. */
    void onVertxException(Throwable e) {
        if (e instanceof Error) {
            fail("an event loop failed", e);
        } else {
            LOG.error("unhandled exception in an event loop; the gateway goes on", e);
        }
    }

    /** Marks the process failed, logs it once, and exits. */
    void fail(String what, Throwable e) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = what + ": " + e.getClass().getSimpleName();
        }
        // one line, no stack trace: after an OutOfMemoryError even that may not fit
        LOG.error(
                "{} ({}): the gateway cannot go on; /healthz answers 503 and the process exits"
                        + " with status {}",
                what,
                e.toString(),
                EXIT_STATUS);
        Thread exiter =
                new Thread(
                        () -> {
                            Thread halter =
                                    new Thread(
                                            () -> {
                                                try {
                                                    Thread.sleep(haltAfterMs);
                                                } catch (InterruptedException x) {
                                                    return;
                                                }
                                                Runtime.getRuntime().halt(EXIT_STATUS);
                                            },
                                            "ferry-fatal-halt");
                            halter.setDaemon(true);
                            halter.start();
                            exit.accept(EXIT_STATUS);
                        },
                        "ferry-fatal-exit");
        exiter.setDaemon(true);
        exiter.start();
    }

    /**
     * Whether the JVM runs with {@code -XX:+ExitOnOutOfMemoryError}; null when it cannot tell (not
     * HotSpot).
     */
    static Boolean exitsOnOutOfMemory() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hs =
                    ManagementFactory.getPlatformMXBean(
                            com.sun.management.HotSpotDiagnosticMXBean.class);
            return hs == null
                    ? null
                    : Boolean.valueOf(hs.getVMOption("ExitOnOutOfMemoryError").getValue());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
