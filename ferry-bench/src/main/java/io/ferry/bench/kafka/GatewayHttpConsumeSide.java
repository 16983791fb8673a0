package io.ferry.bench.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.ConsumeConfig;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.kafka.KafkaSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
 * POST /topics/{t}/acks} (a list of {partition, offset}) as soon as it has it. HTTP/1.1 with the
 * JDK's client, one connection per take in flight.
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

    /** One message of a take, as the client keeps it. */
    private record Taken(int partition, long offset, String value) {}

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The messages of a take's answer, read with Jackson's streaming parser as a client that cares
     * about its CPU would (a tree of maps per message took the client as long as the gateway's
     * whole answer): partition, offset and the base64 value; the other fields skipped.
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
                String value = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (f) {
                        case "partition" -> partition = p.getIntValue();
                        case "offset" -> offset = p.getLongValue();
                        case "value" -> value = t == JsonToken.VALUE_NULL ? null : p.getText();
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

        // the client's own threads: without an executor, on 2 cores the JDK client starts a
        // thread per answer
        private final ExecutorService clientThreads = Executors.newFixedThreadPool(2);
        // the lanes call the blocking send: sendAsync hops each answer to CompletableFuture's
        // default executor, which on 2 cores (a common pool of parallelism 1) is a new thread per
        // answer (17,828 threads in one run by JFR, most of the side's time)
        private final ExecutorService lanes = Executors.newFixedThreadPool(IN_FLIGHT);
        private final HttpClient jdk =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .executor(clientThreads)
                        .build();

        private byte[] call(String path, String body) {
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
            if (body != null) {
                b.header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
            }
            HttpResponse<byte[]> r;
            try {
                r = jdk.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(path + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(path + " interrupted", e);
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException(
                        path
                                + " answered "
                                + r.statusCode()
                                + ": "
                                + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r.body();
        }

        /** One lane: a take, then one POST acknowledging each of its messages. */
        private List<Taken> lane() {
            List<Taken> taken = read(call(takePath, null));
            if (taken.isEmpty()) {
                return taken;
            }
            call(ackPath, options.httpAcks().equals("ranges") ? ranges(taken) : list(taken));
            return taken;
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
            for (int i = 0; i < IN_FLIGHT; i++) {
                inFlight.add(CompletableFuture.supplyAsync(this::lane, lanes));
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
                sink.record(
                        m.partition(),
                        m.offset(),
                        m.value() == null ? null : Base64.getDecoder().decode(m.value()));
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
                    "%,d HTTP requests (takes of %d and their acks %s), %d in flight",
                    requests,
                    options.httpBatch(),
                    options.httpAcks().equals("ranges") ? "by ranges" : "listing every offset",
                    IN_FLIGHT);
        }

        @Override
        public void close() {
            lanes.shutdownNow();
            clientThreads.shutdownNow();
            gateway.close();
        }
    }
}
