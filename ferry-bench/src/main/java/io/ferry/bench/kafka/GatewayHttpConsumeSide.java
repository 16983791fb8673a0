package io.ferry.bench.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ferry's gateway over HTTP (issue 14): a fresh gateway per read, in this JVM, on the same Kafka;
 * the session keeps {@code --http-in-flight} takes of {@code --http-batch} messages in flight
 * ({@code GET /topics/{t}/records?group=&max=}) and acknowledges each batch's messages one by one
 * in one {@code POST /topics/{t}/acks} (a list of {partition, offset}) as soon as it has it.
 * HTTP/1.1 with Vert.x's client on an event loop of its own, one connection per take in flight.
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

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The messages of a take's answer, read with Jackson's streaming parser as a client that cares
     * about its CPU would (a tree of maps per message took the client as long as the gateway's
     * whole answer): partition, offset and the base64 value decoded as it is read; the other fields
     * skipped.
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
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (f) {
                        case "partition" -> partition = p.getIntValue();
                        case "offset" -> offset = p.getLongValue();
                        case "value" ->
                                value = t == JsonToken.VALUE_NULL ? null : p.getBinaryValue();
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
        private long requests;
        private long acksSent;

        // the client: Vert.x's (Netty) on an event loop of its own, --http-in-flight pooled
        // connections. The JDK's HttpClient hands each exchange between its selector thread, its
        // executor and the calling thread: in alternating runs this client gave the side 31% more
        // records/s (docs/benchmarks-kafka.md)
        private final Vertx client =
                Vertx.vertx(
                        new VertxOptions()
                                .setEventLoopPoolSize(1)
                                .setWorkerPoolSize(1)
                                .setInternalBlockingPoolSize(1));
        private final io.vertx.core.Context loop = client.getOrCreateContext();
        private final HttpClientAgent http;

        /** Each call not answered yet, and where it is (named when a lane times out). */
        private final Map<Long, String> unanswered = new java.util.concurrent.ConcurrentHashMap<>();

        private long calls; // the client's event loop only

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
                            new PoolOptions().setHttp1MaxSize(options.httpInFlight()));
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
         * One lane: a take, then one POST acknowledging each of its messages; started on the
         * client's event loop, so that each answer's body is asked for on the thread that reads it
         * (from another thread, {@code compose(r -> r.body())} runs as a task of the event loop,
         * which may find the body read and ended already: a take then never completes).
         */
        private CompletableFuture<List<Taken>> lane() {
            CompletableFuture<List<Taken>> out = new CompletableFuture<>();
            loop.runOnContext(
                    v ->
                            laneHere()
                                    .onComplete(
                                            (t, e) -> {
                                                if (e != null) {
                                                    out.completeExceptionally(e);
                                                } else {
                                                    out.complete(t);
                                                }
                                            }));
            return out;
        }

        private Future<List<Taken>> laneHere() {
            return call(takePath, null)
                    .compose(
                            b -> {
                                List<Taken> taken = read(b.getBytes());
                                if (taken.isEmpty()) {
                                    return Future.succeededFuture(taken);
                                }
                                String acks =
                                        options.httpAcks().equals("ranges")
                                                ? ranges(taken)
                                                : list(taken);
                                return call(ackPath, acks).map(a -> taken);
                            });
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
        public int poll(RecordSink sink) throws InterruptedException {
            List<CompletableFuture<List<Taken>>> inFlight = new ArrayList<>();
            for (int i = 0; i < options.httpInFlight(); i++) {
                inFlight.add(lane());
            }
            List<Taken> all = new ArrayList<>();
            int acked = 0;
            for (CompletableFuture<List<Taken>> f : inFlight) {
                List<Taken> got = join(f, "take and its acks");
                all.addAll(got);
                acked += got.isEmpty() ? 0 : 1;
            }
            // the takes in flight split a partition's messages between them: hand them on in order
            all.sort(Comparator.comparingInt(Taken::partition).thenComparingLong(Taken::offset));
            for (Taken m : all) {
                sink.record(m.partition(), m.offset(), m.value());
            }
            requests += inFlight.size() + acked;
            acksSent += acked;
            return all.size();
        }

        private <T> T join(CompletableFuture<T> f, String what) throws InterruptedException {
            try {
                return f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("HTTP call failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException(
                        "a "
                                + what
                                + " of the gateway had no answer within 60 s ("
                                + requests
                                + " done, acks sent before this poll "
                                + acksSent
                                + " done; unanswered: "
                                + unanswered.values()
                                + ")");
            }
        }

        @Override
        public long fetchRequests() {
            return -1;
        }

        @Override
        public String fetchNote() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%,d HTTP requests (takes of %d and their acks %s), %d in flight",
                    requests,
                    options.httpBatch(),
                    options.httpAcks().equals("ranges") ? "by ranges" : "listing every offset",
                    options.httpInFlight());
        }

        @Override
        public void close() {
            client.close().await();
            gateway.close();
        }
    }
}
