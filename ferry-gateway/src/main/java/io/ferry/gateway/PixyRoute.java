package io.ferry.gateway;

import io.vertx.core.http.HttpMethod;

/**
 * The routes of the kafka-pixy listener ({@link PixyRestApi}), each served unprefixed and under
 * {@code /clusters/{cluster}}; the pattern names the route in metrics. Immutable, any thread.
 */
// HttpMethod is immutable; Vert.x does not annotate it
@SuppressWarnings("ImmutableEnumChecker")
enum PixyRoute {
    PRODUCE(HttpMethod.POST, "/topics/:topic/messages"),
    TOPIC(HttpMethod.GET, "/topics/:topic"),
    TOPIC_LIST(HttpMethod.GET, "/topics"),
    PING(HttpMethod.GET, "/_ping"),
    // the consume half (from CONSUME on), served by PixyConsumeRoutes
    CONSUME(HttpMethod.GET, "/topics/:topic/messages"),
    ACK(HttpMethod.POST, "/topics/:topic/acks"),
    GET_OFFSETS(HttpMethod.GET, "/topics/:topic/offsets"),
    SET_OFFSETS(HttpMethod.POST, "/topics/:topic/offsets"),
    CONSUMERS(HttpMethod.GET, "/topics/:topic/consumers");

    final HttpMethod method;
    final String pattern;

    PixyRoute(HttpMethod method, String pattern) {
        this.method = method;
        this.pattern = pattern;
    }

    /** Served by {@link PixyConsumeRoutes}. */
    boolean consume() {
        return compareTo(CONSUME) >= 0;
    }

    /**
     * The route of {@code shape} (a path with its topic as {@code :topic}) for {@code method} (HEAD
     * as GET), or null.
     */
    static PixyRoute match(String shape, HttpMethod method) {
        HttpMethod m = method.equals(HttpMethod.HEAD) ? HttpMethod.GET : method;
        for (PixyRoute r : values()) {
            if (r.pattern.equals(shape) && r.method.equals(m)) {
                return r;
            }
        }
        return null;
    }

    /** The methods {@code shape} is served for, as an Allow header, or null: no such path. */
    static String allowed(String shape) {
        StringBuilder b = new StringBuilder();
        for (PixyRoute r : values()) {
            if (r.pattern.equals(shape)) {
                b.append(b.length() == 0 ? "" : ", ")
                        .append(r.method.equals(HttpMethod.GET) ? "GET, HEAD" : r.method.name());
            }
        }
        return b.length() == 0 ? null : b.toString();
    }
}
