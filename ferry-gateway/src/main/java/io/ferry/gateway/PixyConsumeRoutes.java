package io.ferry.gateway;

/**
 * The consume half of the kafka-pixy listener (issue 14: {@code GET /topics/{t}/messages}, {@code
 * POST .../acks}, {@code GET}/{@code POST .../offsets}, {@code GET .../consumers}), the place where
 * the consume service's adapter ({@link PixyConsumeHttp}) plugs into {@link PixyRestApi}. Called on
 * the request's event loop with a route whose {@link PixyRoute#consume()} is true, once the route
 * matched, the request was admitted (shutdown, concurrency limit) and a POST's body was read into
 * {@link Exchange#body}; the cluster and topic are in the {@link Exchange}. It answers through
 * {@code api} ({@link PixyRestApi#json}, {@link PixyRestApi#error}: kafka-pixy's statuses and
 * JSON), and must answer exactly once. Without one, these routes answer 501.
 */
@FunctionalInterface
interface PixyConsumeRoutes {
    /** Handles {@code ex} on {@code route}; may throw {@link ApiException} for a bad request. */
    void handle(PixyRoute route, Exchange ex, PixyRestApi api);
}
