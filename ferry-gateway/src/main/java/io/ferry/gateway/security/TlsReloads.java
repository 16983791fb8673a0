package io.ferry.gateway.security;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread ({@code ferry-tls-reload}) that re-reads the certificate files of a gateway's TLS
 * listeners: every {@code reload-check-ms} of each, and at once on SIGHUP. {@link #start} and
 * {@link #close} from the thread starting or stopping the gateway; {@link #reloadNow} from any
 * thread (it only enqueues).
 */
public final class TlsReloads implements AutoCloseable {
    /* Design notes
     * Every ServerTls.checkOnce runs on the one scheduler thread, so each listener's keys have a
     * single writer. SIGHUP: sun.misc.Signal (jdk.unsupported) through reflection, so the build
     * has no internal-API warning and a JVM without it (or run with -Xrs) just logs that SIGHUP is
     * not available. The handler is installed once per JVM and enqueues a check on every live
     * TlsReloads (tests start several gateways in one JVM). Installing it replaces the JVM's
     * default for SIGHUP (run the shutdown hooks): with TLS on, SIGHUP reloads, as nginx's does.
     * A check that throws is logged; the thread keeps going (an exception escaping a ferry-*
     * thread would fail the gateway, FatalErrors).
     */
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloads.class);

    private static final Set<TlsReloads> LIVE = new CopyOnWriteArraySet<>();
    private static final AtomicBoolean SIGHUP_INSTALLED = new AtomicBoolean();
    private static volatile boolean sighupAvailable;

    private final List<ServerTls> listeners;
    private final Runnable alsoOnSighup;
    private final ScheduledExecutorService thread;

    private TlsReloads(List<ServerTls> listeners, Runnable alsoOnSighup) {
        this.listeners = List.copyOf(listeners);
        this.alsoOnSighup = alsoOnSighup;
        this.thread =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "ferry-tls-reload");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /**
     * Starts checking {@code listeners}' files; installs the SIGHUP handler once per JVM, which
     * also runs {@code alsoOnSighup} (the gateway's other security files: API keys) on the reload
     * thread.
     */
    public static TlsReloads start(List<ServerTls> listeners, Runnable alsoOnSighup) {
        TlsReloads r = new TlsReloads(listeners, alsoOnSighup);
        for (ServerTls l : r.listeners) {
            long ms = l.config().reloadCheckMs();
            if (ms > 0) {
                var unused =
                        r.thread.scheduleWithFixedDelay(
                                () -> r.check(l), ms, ms, TimeUnit.MILLISECONDS);
            }
        }
        LIVE.add(r);
        if (SIGHUP_INSTALLED.compareAndSet(false, true)) {
            sighupAvailable = installSighup();
        }
        return r;
    }

    /** True when SIGHUP re-reads the files in this JVM. */
    public static boolean sighupAvailable() {
        return sighupAvailable;
    }

    /** Checks every listener's files now, on the reload thread (SIGHUP does this). Any thread. */
    public void reloadNow() {
        for (ServerTls l : listeners) {
            thread.execute(() -> check(l));
        }
        thread.execute(
                () -> {
                    try {
                        alsoOnSighup.run();
                    } catch (RuntimeException e) {
                        LOG.warn("SIGHUP: re-reading the security files failed: {}", e.toString());
                    }
                });
    }

    private void check(ServerTls l) {
        try {
            l.checkOnce();
        } catch (RuntimeException e) {
            LOG.warn("{}: checking the certificate files failed: {}", l.at(), e.toString());
        }
    }

    private static boolean installSighup() {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            InvocationHandler onHup =
                    (proxy, method, args) -> {
                        return switch (method.getName()) {
                            case "handle" -> {
                                LOG.info(
                                        "SIGHUP: re-reading the TLS certificate and API key files");
                                LIVE.forEach(TlsReloads::reloadNow);
                                yield null;
                            }
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            case "toString" -> "ferry TLS reload";
                            default -> null;
                        };
                    };
            Object h =
                    Proxy.newProxyInstance(
                            handler.getClassLoader(), new Class<?>[] {handler}, onHup);
            signal.getMethod("handle", signal, handler).invoke(null, hup, h);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.info(
                    "SIGHUP is not available in this JVM ({}); certificate files are re-read every"
                            + " reload-check-ms only",
                    e.getClass().getSimpleName());
            return false;
        }
    }

    /** Stops the thread. */
    @Override
    public void close() {
        LIVE.remove(this);
        thread.shutdownNow();
    }
}
