package io.ferry.bench.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A closed-loop HTTP load generator on Vert.x's client with keep-alive: {@code concurrency}
 * requests in flight at all times, each followed by the next as soon as it is answered, for a fixed
 * duration. Create, {@link #run} from one thread at a time, {@link #close}.
 */
final class LoadClient implements AutoCloseable {
    private final Vertx vertx;
    private final HttpClient client;
    private final int port;
    private final Supplier<Map<String, String>> headers;

    LoadClient(int port, int connections, int eventLoops) {
        this(port, connections, eventLoops, false, Map::of);
    }

    /**
     * With {@code tls}, over TLS without verifying the server's certificate (the harness's own,
     * self-signed); {@code headers} gives the headers of each request (the hook for credentials).
     */
    LoadClient(
            int port,
            int connections,
            int eventLoops,
            boolean tls,
            Supplier<Map<String, String>> headers) {
        this.port = port;
        this.headers = headers;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
        HttpClientOptions options =
                new HttpClientOptions()
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setDefaultHost("127.0.0.1")
                        .setDefaultPort(port);
        if (tls) {
            options.setSsl(true).setTrustAll(true).setVerifyHost(false);
        }
        this.client =
                vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connections));
    }

    /** What one run measured. */
    record Result(
            long requests,
            long errors,
            double seconds,
            long p50Nanos,
            long p99Nanos,
            String firstError) {
        double requestsPerSecond() {
            return requests / seconds;
        }
    }

    /**
     * Posts {@code body} to {@code uri} for {@code seconds} with {@code concurrency} requests in
     * flight.
     */
    Result run(String uri, Buffer body, int concurrency, double seconds, int expectedStatus)
            throws InterruptedException {
        long[] latencies = new long[4_000_000];
        AtomicLong count = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        String[] firstError = new String[1];
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            vertx.runOnContext(
                    v ->
                            loop(
                                    uri,
                                    body,
                                    end,
                                    expectedStatus,
                                    latencies,
                                    count,
                                    errors,
                                    firstError,
                                    done));
        }
        done.await(Math.round(seconds) + 60, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - start) / 1e9;
        int n = (int) Math.min(count.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Result(
                count.get(),
                errors.get(),
                elapsed,
                n == 0 ? 0 : sorted[n / 2],
                n == 0 ? 0 : sorted[(int) Math.min(n - 1, (long) Math.ceil(n * 0.99) - 1)],
                firstError[0]);
    }

    private void loop(
            String uri,
            Buffer body,
            long end,
            int expected,
            long[] latencies,
            AtomicLong count,
            AtomicLong errors,
            String[] firstError,
            CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        long t0 = System.nanoTime();
        Future<Integer> f =
                client.request(HttpMethod.POST, port, "127.0.0.1", uri)
                        .compose(
                                req -> {
                                    headers.get().forEach(req::putHeader);
                                    return req.send(body);
                                })
                        .compose(
                                resp ->
                                        resp.body()
                                                .map(
                                                        b -> {
                                                            if (resp.statusCode() != expected
                                                                    && firstError[0] == null) {
                                                                firstError[0] =
                                                                        resp.statusCode()
                                                                                + " "
                                                                                + b.toString();
                                                            }
                                                            return resp.statusCode();
                                                        }));
        f.onComplete(
                ar -> {
                    long i = count.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[(int) i] =
                                System.nanoTime() - t0; // each slot written by one request only
                    }
                    if (ar.failed() || ar.result() != expected) {
                        errors.incrementAndGet();
                        if (ar.failed() && firstError[0] == null) {
                            firstError[0] = String.valueOf(ar.cause());
                        }
                    }
                    loop(uri, body, end, expected, latencies, count, errors, firstError, done);
                });
    }

    @Override
    public void close() {
        client.close();
        vertx.close();
    }
}
