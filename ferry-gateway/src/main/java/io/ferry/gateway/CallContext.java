package io.ferry.gateway;

import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.Principal;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Who calls a service and where its answers continue; immutable, any thread. A front end makes one
 * per caller (or, while every caller is anonymous, one per event loop: nothing per request).
 *
 * @param principal the authenticated caller, or null when anonymous (the listener does not
 *     authenticate)
 * @param executor runs the service's continuations on the caller's own thread (an event loop's
 *     context): publishing into the broker after a topic refresh, and answers that come from other
 *     threads. A broker producer belongs to one thread, so this must be the thread that calls
 *     {@link ProduceService#produce}.
 * @param listener the listener the call came in on: whose authorization rules apply
 */
record CallContext(Principal principal, Executor executor, Listener listener) {
    /** Validates. */
    CallContext {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
    }

    /** A call on Ferry's API (the HTTP and gRPC ports); {@link #on} names another listener. */
    CallContext(Principal principal, Executor executor) {
        this(principal, executor, Listener.API);
    }

    /** {@code p} calling on this context's listener and executor (the Door's authenticated one). */
    CallContext as(Principal p) {
        return new CallContext(Objects.requireNonNull(p, "principal"), executor, listener);
    }

    /** This caller on {@code l} (the kafka-pixy listener's calls). */
    CallContext on(Listener l) {
        return l == listener ? this : new CallContext(principal, executor, l);
    }

    /** An anonymous caller (what the HTTP adapter passes until the gateway authenticates). */
    static CallContext anonymous(Executor executor) {
        return new CallContext(null, executor);
    }

    /** A caller authenticated as {@code principal}. */
    static CallContext authenticated(Principal principal, Executor executor) {
        return new CallContext(Objects.requireNonNull(principal, "principal"), executor);
    }

    /** A caller authenticated as {@code name}, in no groups (tests). */
    static CallContext authenticated(String name, Executor executor) {
        return authenticated(new Principal(name, Set.of(), "test"), executor);
    }

    /** True when the caller is not authenticated. */
    boolean anonymous() {
        return principal == null;
    }
}
