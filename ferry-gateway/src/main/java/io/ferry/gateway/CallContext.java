package io.ferry.gateway;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Who calls a service and where its answers continue; immutable, any thread. A front end makes one
 * per caller (or, while every caller is anonymous, one per event loop: nothing per request).
 *
 * @param principal the caller's authenticated name, or null when anonymous
 * @param executor runs the service's continuations on the caller's own thread (an event loop's
 *     context): publishing into the broker after a topic refresh, and answers that come from other
 *     threads. A broker producer belongs to one thread, so this must be the thread that calls
 *     {@link ProduceService#produce}.
 */
record CallContext(String principal, Executor executor) {
    /** Validates. */
    CallContext {
        Objects.requireNonNull(executor, "executor");
    }

    /** An anonymous caller (what the HTTP adapter passes until the gateway authenticates). */
    static CallContext anonymous(Executor executor) {
        return new CallContext(null, executor);
    }

    /** A caller authenticated as {@code name}. */
    static CallContext authenticated(String name, Executor executor) {
        return new CallContext(Objects.requireNonNull(name, "name"), executor);
    }

    /** True when the caller is not authenticated. */
    boolean anonymous() {
        return principal == null;
    }
}
