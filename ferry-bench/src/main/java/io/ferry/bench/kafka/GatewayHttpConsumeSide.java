package io.ferry.bench.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.ConsumeConfig;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.kafka.KafkaSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ferry's gateway over HTTP (issue 14): a fresh gateway per read, in this JVM, on the same Kafka;
 * the session runs {@code --http-in-flight} lanes, each with one take of {@code --http-batch}
 * messages in flight ({@code GET /topics/{t}/records?group=&max=}) at all times: when a take is
 * answered the lane takes again at once and acknowledges that take's messages in one {@code POST
 * /topics/{t}/acks} (a list of {partition, offset}, or ranges) beside it. A take's messages are
 * handed on when their acknowledgement is answered, in order per partition. HTTP/1.1 with Vert.x's
 * client on an event loop of its own, two pooled connections per lane.
 */
final class GatewayHttpConsumeSide implements ConsumeSide {
    private final ConsumeBenchOptions options;

    GatewayHttpConsumeSide(ConsumeBenchOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "Gateway HTTP";
    }

    /**
     * A gateway on the bench's Kafka, for both gateway sides: ports free, a group starts at the
     * earliest offset, the side's max-pending and commit interval.
     */
    static Gateway gateway(ConsumeBenchOptions o) {
        KafkaSettings kafka = KafkaSettings.defaults(o.bootstrap());
        BrokerConfig broker = BrokerConfig.of("memory");
        ConsumeConfig d = ConsumeConfig.DEFAULT;
        ConsumeConfig consume =
                new ConsumeConfig(
                        d.ackTimeoutMs(),
                        o.maxPending(),
                        d.maxRetries(),
                        o.commitIntervalMs(),
                        true,
                        1_000,
                        d.maxWaitMs(),
                        d.maxWaiting(),
                        10_000,
                        d.groupIdleMs());
        GatewayConfig base = GatewayConfig.of(kafka, broker).withPort(0).withHost("127.0.0.1");
        return Gateway.start(
                base.withClusters(
                        Map.of(
                                "default",
                                new GatewayConfig.Cluster(kafka, broker).withConsume(consume))));
    }

    @Override
    public Session open(String group) {
        return new HttpSession(gateway(options), group);
    }

    /** One message of a take, as the client keeps it. */
    // the value is handed on, never compared or hashed
    @SuppressWarnings("ArrayRecordComponent")
    private record Taken(int partition, long offset, byte[] value) {}

    /** A message waiting for the offsets before it, since {@code at} (nanoTime). */
    private record Held(Taken m, long at) {}

    private static final Comparator<Held> HELD_ORDER =
            Comparator.comparingInt((Held h) -> h.m().partition())
                    .thenComparingLong(h -> h.m().offset());

    private static final JsonFactory JSON = new JsonFactory();

    /** A take's fields in the order the gateway writes them (a name read out of order works). */
    private static final String[] ORDER = {
        "topic", "partition", "offset", "timestamp", "deliveryCount", "key", "value", "headers"
    };

    private static final SerializedString[] ORDER_NAMES =
            java.util.Arrays.stream(ORDER)
                    .map(SerializedString::new)
                    .toArray(SerializedString[]::new);

    private static final Base64.Decoder BASE64 = Base64.getDecoder();

    /**
     * The messages of a take's answer, read with Jackson's streaming parser as a client that cares
     * about its CPU would (a tree of maps per message took the client as long as the gateway's
     * whole answer): each field name matched against the one expected next ({@code
     * nextFieldName(SerializableString)} compares the bytes, no symbol-table lookup; any other
     * order is read by name), partition, offset and the base64 value decoded by the JDK (Jackson's
     * own decoder, three bytes at a time, was a third of the client's time); the rest skipped.
     */
    private static List<Taken> read(byte[] body) {
        List<Taken> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalStateException("a take answered no JSON array");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                int partition = -1;
                long offset = -1;
                byte[] value = null;
                for (int i = 0; ; i++) {
                    String f;
                    if (i < ORDER.length && p.nextFieldName(ORDER_NAMES[i])) {
                        f = ORDER[i];
                    } else {
                        if (i >= ORDER.length) {
                            p.nextToken();
                        }
                        if (p.currentToken() != JsonToken.FIELD_NAME) {
                            break;
                        }
                        f = p.currentName();
                    }
                    JsonToken t = p.nextToken();
                    switch (f) {
                        case "partition" -> partition = p.getIntValue();
                        case "offset" -> offset = p.getLongValue();
                        case "value" ->
                                value =
                                        t == JsonToken.VALUE_NULL
                                                ? null
                                                : BASE64.decode(p.getText());
                        default -> p.skipChildren();
                    }
                }
                out.add(new Taken(partition, offset, value));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("a take's answer is not JSON", e);
        }
        return out;
    }

    private final class HttpSession implements Session {
        private final Gateway gateway;
        private final String group;
        private String takePath;
        private String ackPath;

        // the client: Vert.x's (Netty) on an event loop of its own, two pooled connections per
        // lane (--http-in-flight lanes). The JDK's HttpClient hands each exchange between its
        // selector thread, its executor and the calling thread: in alternating runs this client
        // gave the side 31% more records/s (docs/benchmarks-kafka.md)
        private final Vertx client =
                Vertx.vertx(
                        new VertxOptions()
                                .setEventLoopPoolSize(1)
                                .setWorkerPoolSize(1)
                                .setInternalBlockingPoolSize(1));
        private final io.vertx.core.Context loop = client.getOrCreateContext();
        private final HttpClientAgent http;

        /** Each call not answered yet, and where it is (named when nothing came for 60 s). */
        private final Map<Long, String> unanswered = new java.util.concurrent.ConcurrentHashMap<>();

        private long calls; // the client's event loop only
        private int inFlight; // the client's event loop only: takes and acks not answered
        private boolean stopping; // the client's event loop only
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();

        /** Each take's messages once its acknowledgement was answered. */
        private final java.util.concurrent.LinkedBlockingQueue<List<Taken>> answered =
                new java.util.concurrent.LinkedBlockingQueue<>();

        private final java.util.concurrent.atomic.AtomicLong takes =
                new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong acksAnswered =
                new java.util.concurrent.atomic.AtomicLong();

        // the polling thread only
        private boolean started;
        private long[] next = new long[0]; // each partition's next offset to hand on
        private final List<Held> held = new ArrayList<>();
        private long lastDelivery = System.nanoTime();

        HttpSession(Gateway gateway, String group) {
            this.gateway = gateway;
            this.group = group;
            this.http =
                    client.createHttpClient(
                            new HttpClientOptions()
                                    .setDefaultHost("127.0.0.1")
                                    .setDefaultPort(gateway.port())
                                    .setTcpNoDelay(true)
                                    .setKeepAlive(true),
                            // a lane's take and its last take's acks at once
                            new PoolOptions().setHttp1MaxSize(2 * options.httpInFlight()));
        }

        @Override
        public void subscribe(String topic) {
            takePath =
                    "/topics/"
                            + topic
                            + "/records?group="
                            + group
                            + "&max="
                            + options.httpBatch()
                            + "&wait=1000";
            ackPath = "/topics/" + topic + "/acks?group=" + group;
        }

        private Future<Buffer> call(String path, String body) {
            long id = calls++;
            String what = (body == null ? "GET " : "POST ") + path;
            unanswered.put(id, what + ": waiting for a connection");
            return http.request(body == null ? HttpMethod.GET : HttpMethod.POST, path)
                    .compose(
                            req -> {
                                unanswered.put(id, what + ": sent, no answer");
                                return body == null
                                        ? req.send()
                                        : req.putHeader("content-type", "application/json")
                                                .send(body);
                            })
                    .compose(
                            r -> {
                                unanswered.put(
                                        id,
                                        what + ": answered " + r.statusCode() + ", body not read");
                                return r.body()
                                        .map(
                                                b -> {
                                                    unanswered.remove(id);
                                                    if (r.statusCode() != 200) {
                                                        throw new IllegalStateException(
                                                                path
                                                                        + " answered "
                                                                        + r.statusCode()
                                                                        + ": "
                                                                        + b);
                                                    }
                                                    return b;
                                                });
                            });
        }

        /**
         * Starts the lanes, on the client's event loop (so that each answer's body is asked for on
         * the thread that reads it: from another thread, {@code compose(r -> r.body())} runs as a
         * task of the event loop, which may find the body read and ended already, and the call
         * never completes).
         */
        private void startLanes() {
            loop.runOnContext(
                    v -> {
                        for (int i = 0; i < options.httpInFlight(); i++) {
                            take();
                        }
                    });
        }

        /**
         * One lane's next take (client event loop). When it is answered the lane takes again at
         * once, and acknowledges what came meanwhile: the lane's next take and this take's POST are
         * in flight together, and the messages are handed on when their acknowledgement is answered
         * (every record the sink sees has been acknowledged).
         */
        private void take() {
            if (stopping) {
                settled();
                return;
            }
            tracked(
                    takePath,
                    null,
                    b -> {
                        List<Taken> taken = read(b.getBytes());
                        takes.incrementAndGet();
                        take();
                        if (taken.isEmpty()) {
                            return;
                        }
                        String acks =
                                options.httpAcks().equals("ranges") ? ranges(taken) : list(taken);
                        tracked(
                                ackPath,
                                acks,
                                a -> {
                                    acksAnswered.incrementAndGet();
                                    answered.add(taken);
                                    settled();
                                });
                    });
        }

        /** {@link #call}, counted in flight until answered; a failure stops the session. */
        private void tracked(String path, String body, java.util.function.Consumer<Buffer> then) {
            inFlight++;
            call(path, body)
                    .onComplete(
                            ar -> {
                                inFlight--;
                                if (ar.failed()) {
                                    failed(ar.cause());
                                } else {
                                    then.accept(ar.result());
                                }
                            });
        }

        private void failed(Throwable t) {
            if (failure.compareAndSet(null, t)) {
                answered.add(List.of()); // wakes the polling thread
            }
            stopping = true;
            settled();
        }

        /** Completes {@link #stopped} once stopping and nothing is in flight (event loop). */
        private void settled() {
            if (stopping && inFlight == 0) {
                stopped.complete(null);
            }
        }

        /** Hands one message on; its partition's next offset moves past it. */
        private void handOn(Taken m, RecordSink sink) {
            if (m.partition() >= next.length) {
                next = java.util.Arrays.copyOf(next, m.partition() + 1);
            }
            sink.record(m.partition(), m.offset(), m.value());
            next[m.partition()] = Math.max(next[m.partition()], m.offset() + 1);
        }

        private long nextOf(int partition) {
            return partition < next.length ? next[partition] : 0;
        }

        @Override
        public int poll(RecordSink sink) throws InterruptedException {
            if (!started) {
                started = true;
                startLanes();
            }
            List<Taken> got = answered.poll(1, TimeUnit.SECONDS);
            Throwable t = failure.get();
            if (t != null) {
                throw new IllegalStateException("HTTP call failed: " + t, t);
            }
            if (got == null) {
                if (System.nanoTime() - lastDelivery > TimeUnit.SECONDS.toNanos(60)) {
                    throw new IllegalStateException(
                            "the gateway handed nothing on for 60 s ("
                                    + takes
                                    + " takes and "
                                    + acksAnswered
                                    + " acks answered; unanswered: "
                                    + unanswered.values()
                                    + ")");
                }
                return hold(List.of(), sink);
            }
            List<Taken> all = new ArrayList<>(got);
            for (List<Taken> more; (more = answered.poll()) != null; ) {
                all.addAll(more);
            }
            return hold(all, sink);
        }

        /**
         * Hands on {@code fresh} and what was held back, in order per partition: concurrent takes
         * split a partition's messages between them and their answers arrive in any order, so a
         * message waits until the offsets before it came (offsets start at 0: the bench's topics
         * are new and each read is a new group from the earliest offset, as the sink assumes too).
         * One held more than 5 s is handed on anyway (the sink then counts the gap).
         */
        private int hold(List<Taken> fresh, RecordSink sink) {
            if (fresh.isEmpty() && held.isEmpty()) {
                return 0;
            }
            long now = System.nanoTime();
            for (Taken m : fresh) {
                held.add(new Held(m, now));
            }
            held.sort(HELD_ORDER);
            long lateBefore = now - TimeUnit.SECONDS.toNanos(5);
            List<Held> keep = new ArrayList<>();
            int n = 0;
            int gapIn = -1; // the partition whose run stopped at a gap
            for (Held h : held) {
                Taken m = h.m();
                boolean waits =
                        m.partition() == gapIn
                                || (m.offset() > nextOf(m.partition()) && h.at() > lateBefore);
                if (waits) {
                    gapIn = m.partition();
                    keep.add(h);
                } else {
                    handOn(m, sink);
                    n++;
                }
            }
            held.clear();
            held.addAll(keep);
            if (n > 0) {
                lastDelivery = now;
            }
            return n;
        }

        /** Every message's offset: {@code [{"partition":p,"offset":o},...]}. */
        private static String list(List<Taken> taken) {
            StringBuilder acks = new StringBuilder(taken.size() * 32).append('[');
            for (Taken m : taken) {
                acks.append(acks.length() == 1 ? "" : ",")
                        .append("{\"partition\":")
                        .append(m.partition())
                        .append(",\"offset\":")
                        .append(m.offset())
                        .append('}');
            }
            return acks.append(']').toString();
        }

        /**
         * Each partition's contiguous runs: {@code [{"partition":p,"from":a,"to":b},...]}, {@code
         * to} exclusive; every message of the take is in one.
         */
        private static String ranges(List<Taken> taken) {
            List<Taken> sorted = new ArrayList<>(taken);
            sorted.sort(Comparator.comparingInt(Taken::partition).thenComparingLong(Taken::offset));
            StringBuilder acks = new StringBuilder(128).append('[');
            int i = 0;
            while (i < sorted.size()) {
                Taken first = sorted.get(i);
                long to = first.offset() + 1;
                int j = i + 1;
                while (j < sorted.size()
                        && sorted.get(j).partition() == first.partition()
                        && sorted.get(j).offset() == to) {
                    to++;
                    j++;
                }
                acks.append(acks.length() == 1 ? "" : ",")
                        .append("{\"partition\":")
                        .append(first.partition())
                        .append(",\"from\":")
                        .append(first.offset())
                        .append(",\"to\":")
                        .append(to)
                        .append('}');
                i = j;
            }
            return acks.append(']').toString();
        }

        @Override
        public long fetchRequests() {
            return -1;
        }

        @Override
        public String fetchNote() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%,d HTTP requests (takes of %d and their acks %s), %d in flight (each"
                            + " lane's next take beside its last take's acks)",
                    takes.get() + acksAnswered.get(),
                    options.httpBatch(),
                    options.httpAcks().equals("ranges") ? "by ranges" : "listing every offset",
                    options.httpInFlight());
        }

        @Override
        public void close() {
            // no new takes; the lanes' last long polls and acks are answered, then the client goes
            loop.runOnContext(
                    v -> {
                        stopping = true;
                        settled();
                    });
            try {
                stopped.get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // closing regardless: the report has its figures
            }
            client.close().await();
            gateway.close();
        }
    }
}
