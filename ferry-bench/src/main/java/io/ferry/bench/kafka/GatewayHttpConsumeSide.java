package io.ferry.bench.kafka;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.ConsumeConfig;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.kafka.KafkaSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ferry's gateway over HTTP (issue 14): a fresh gateway per read, in this JVM, on the same Kafka;
 * the session keeps {@link #IN_FLIGHT} takes of {@code --http-batch} messages in flight ({@code GET
 * /topics/{t}/records?group=&max=}) and acknowledges each batch's messages one by one in one {@code
 * POST /topics/{t}/acks} (a list of {partition, offset}). HTTP/1.1, one connection per request in
 * flight (Vert.x's client on an event loop of its own).
 */
final class GatewayHttpConsumeSide implements ConsumeSide {
    /** Takes in flight per session. */
    static final int IN_FLIGHT = 4;

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

    private final class HttpSession implements Session {
        private final Gateway gateway;
        private final String group;
        private String takePath;
        private String ackPath;
        private long requests;
        private long acksSent;

        HttpSession(Gateway gateway, String group) {
            this.gateway = gateway;
            this.group = group;
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

        // an executor of its own: without one, on 2 cores the JDK client starts a thread per answer
        private final ExecutorService executor = Executors.newFixedThreadPool(2);
        private final HttpClient jdk =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .executor(executor)
                        .build();

        private CompletableFuture<String> call(String path, String body) {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
            if (body != null) {
                b.header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
            }
            return jdk.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(
                            r -> {
                                if (r.statusCode() != 200) {
                                    throw new IllegalStateException(
                                            path + " answered " + r.statusCode() + ": " + r.body());
                                }
                                return r.body();
                            });
        }

        @Override
        public int poll(RecordSink sink) throws InterruptedException {
            List<CompletableFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                gets.add(call(takePath, null));
            }
            List<CompletableFuture<String>> acks = new ArrayList<>();
            List<JsonObject> all = new ArrayList<>();
            for (CompletableFuture<String> g : gets) {
                JsonArray got = new JsonArray(join(g, "GET take"));
                if (got.isEmpty()) {
                    continue;
                }
                JsonArray items = new JsonArray();
                for (int i = 0; i < got.size(); i++) {
                    JsonObject m = got.getJsonObject(i);
                    all.add(m);
                    items.add(
                            new JsonObject()
                                    .put("partition", m.getInteger("partition"))
                                    .put("offset", m.getLong("offset")));
                }
                acks.add(call(ackPath, items.encode()));
            }
            // the takes in flight split a partition's messages between them: hand them on in order
            all.sort(
                    Comparator.comparingInt((JsonObject m) -> m.getInteger("partition"))
                            .thenComparingLong(m -> m.getLong("offset")));
            for (JsonObject m : all) {
                String v = m.getString("value");
                sink.record(
                        m.getInteger("partition"),
                        m.getLong("offset"),
                        v == null ? null : Base64.getDecoder().decode(v));
            }
            for (CompletableFuture<String> a : acks) {
                join(a, "POST acks");
            }
            requests += gets.size() + acks.size();
            acksSent += acks.size();
            return all.size();
        }

        private String join(CompletableFuture<String> f, String what) throws InterruptedException {
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
                                + " done)");
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
                    "%,d HTTP requests (takes of %d and their acks), %d in flight",
                    requests,
                    options.httpBatch(),
                    IN_FLIGHT);
        }

        @Override
        public void close() {
            executor.shutdownNow();
            gateway.close();
        }
    }
}
