package io.ferry.bench.gateway;

import io.ferry.broker.BrokerConfig;
import io.ferry.gateway.Gateway;
import io.ferry.gateway.GatewayConfig;
import io.ferry.gateway.cli.DevKafka;
import io.ferry.kafka.KafkaSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The gateway's load harness (issue 6): a real single-node Kafka in this JVM (as {@code ferry
 * dev}), the raw {@link KafkaProducer} anchor on it, then the gateway on it driven over HTTP with
 * keep-alive: single-message POSTs and 100-record batches, at {@code ack=none} and {@code
 * ack=kafka}, with Vert.x's client in this JVM and, where wrk is installed, with wrk as well.
 * Prints requests/s, records/s, p50/p99 latency and the ratio of records/s to the anchor.
 *
 * <pre>
 * mvn -B -ntp -q -DskipTests package -pl ferry-bench -am
 * java -cp ferry-bench/target/benchmarks.jar io.ferry.bench.gateway.GatewayLoadReport [seconds] [concurrency]
 * </pre>
 *
 * Records carry 100-byte values and 8-character keys. Client, gateway and Kafka share the machine:
 * on 2 cores the figures are a floor, not a capacity.
 */
public final class GatewayLoadReport {
    private static final int VALUE_BYTES = 100;
    private static final String TOPIC = "load";
    private static final int PARTITIONS = 4;

    private GatewayLoadReport() {}

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int concurrency = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        long anchorRecords = args.length > 2 ? Long.parseLong(args[2]) : 1_000_000;
        // batches: enough requests in flight that ack=kafka is not bound by one request's latency
        // (the raw KafkaProducer anchor has up to buffer.memory of records in flight)
        int batchConcurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        System.out.printf(
                Locale.ROOT,
                "gateway load harness: %.0f s per scenario, %d requests in flight (%d for batches), "
                        + "%d-byte values%n",
                seconds,
                concurrency,
                batchConcurrency,
                VALUE_BYTES);
        try (DevKafka kafka = DevKafka.start()) {
            kafka.createTopic(TOPIC, PARTITIONS);
            double anchor = rawKafkaProducer(kafka.bootstrapServers(), anchorRecords);
            System.out.printf(
                    Locale.ROOT,
                    "raw KafkaProducer (acks=all, linger.ms=5, batch.size=65536): %,.0f records/s%n",
                    anchor);

            KafkaSettings settings =
                    KafkaSettings.from(
                            Map.of(
                                    "bootstrap.servers",
                                    kafka.bootstrapServers(),
                                    "linger.ms",
                                    5,
                                    "batch.size",
                                    65_536));
            Gateway gateway =
                    Gateway.start(
                            GatewayConfig.of(
                                            settings,
                                            BrokerConfig.of("memory", Map.of("events", 262_144)))
                                    .withPort(0)
                                    .withLimits(8 << 20, 1_000_000));
            List<String> rows = new ArrayList<>();
            try (LoadClient client = new LoadClient(gateway.port(), concurrency, 1)) {
                Buffer single = Buffer.buffer(new byte[VALUE_BYTES]);
                Buffer batch = batchBody(100);
                rows.add(
                        scenario(
                                client,
                                gateway,
                                "single POST, ack=none",
                                "/topics/" + TOPIC + "/messages?ack=none&key=k0000001",
                                single,
                                1,
                                concurrency,
                                seconds,
                                202,
                                anchor));
                rows.add(
                        scenario(
                                client,
                                gateway,
                                "single POST, ack=kafka",
                                "/topics/" + TOPIC + "/messages?ack=kafka&key=k0000001",
                                single,
                                1,
                                concurrency,
                                seconds,
                                200,
                                anchor));
                rows.add(
                        scenario(
                                client,
                                gateway,
                                "100-record batch, ack=none",
                                "/topics/" + TOPIC + "/records?ack=none",
                                batch,
                                100,
                                batchConcurrency,
                                seconds,
                                202,
                                anchor));
                rows.add(
                        scenario(
                                client,
                                gateway,
                                "100-record batch, ack=kafka",
                                "/topics/" + TOPIC + "/records?ack=kafka",
                                batch,
                                100,
                                batchConcurrency,
                                seconds,
                                200,
                                anchor));
                String wrk = Wrk.find();
                if (wrk != null) {
                    String base = "http://127.0.0.1:" + gateway.port() + "/topics/" + TOPIC;
                    rows.add(
                            wrkScenario(
                                    wrk,
                                    gateway,
                                    "single POST, ack=none (wrk)",
                                    base + "/messages?ack=none&key=k0000001",
                                    single.getBytes(),
                                    1,
                                    concurrency,
                                    seconds,
                                    anchor));
                    rows.add(
                            wrkScenario(
                                    wrk,
                                    gateway,
                                    "single POST, ack=kafka (wrk)",
                                    base + "/messages?ack=kafka&key=k0000001",
                                    single.getBytes(),
                                    1,
                                    concurrency,
                                    seconds,
                                    anchor));
                    rows.add(
                            wrkScenario(
                                    wrk,
                                    gateway,
                                    "100-record batch, ack=none (wrk)",
                                    base + "/records?ack=none",
                                    batch.getBytes(),
                                    100,
                                    batchConcurrency,
                                    seconds,
                                    anchor));
                    rows.add(
                            wrkScenario(
                                    wrk,
                                    gateway,
                                    "100-record batch, ack=kafka (wrk)",
                                    base + "/records?ack=kafka",
                                    batch.getBytes(),
                                    100,
                                    batchConcurrency,
                                    seconds,
                                    anchor));
                }
            } finally {
                gateway.shutdown();
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT,
                    "%-34s %12s %12s %9s %9s %8s %s%n",
                    "scenario",
                    "requests/s",
                    "records/s",
                    "p50 ms",
                    "p99 ms",
                    "x raw",
                    "errors");
            rows.forEach(System.out::println);
            System.out.println();
            System.out.println(
                    "targets (issue 6): 100-record batches >= 0.8x raw KafkaProducer records/s; "
                            + "single POSTs at ack=none >= 50,000 requests/s");
        }
    }

    private static String scenario(
            LoadClient client,
            Gateway gateway,
            String name,
            String uri,
            Buffer body,
            int recordsPerRequest,
            int concurrency,
            double seconds,
            int status,
            double anchor)
            throws InterruptedException {
        // warm-up of this very path (JIT, partition workers), then drained, then measured
        client.run(uri, body, concurrency, Math.min(5, seconds), status);
        drain(gateway);
        LoadClient.Result r = client.run(uri, body, concurrency, seconds, status);
        long drainStart = System.nanoTime();
        drain(gateway);
        double drainS = (System.nanoTime() - drainStart) / 1e9;
        // at ack=none the gateway answers before Kafka: count the drain in the records/s
        double recordsPerSecond =
                (r.requests() - r.errors()) * (double) recordsPerRequest / (r.seconds() + drainS);
        return String.format(
                Locale.ROOT,
                "%-34s %,12.0f %,12.0f %9.2f %9.2f %8.2f %d%s",
                name,
                r.requestsPerSecond(),
                recordsPerSecond,
                r.p50Nanos() / 1e6,
                r.p99Nanos() / 1e6,
                recordsPerSecond / anchor,
                r.errors(),
                r.firstError() == null ? "" : " (first: " + abbreviate(r.firstError(), 160) + ")");
    }

    private static String wrkScenario(
            String wrk,
            Gateway gateway,
            String name,
            String url,
            byte[] body,
            int recordsPerRequest,
            int connections,
            double seconds,
            double anchor)
            throws Exception {
        Wrk.run(wrk, url, body, connections, Math.min(5, seconds)); // warm-up
        drain(gateway);
        Wrk.Result r = Wrk.run(wrk, url, body, connections, seconds);
        long drainStart = System.nanoTime();
        drain(gateway);
        double drainS = (System.nanoTime() - drainStart) / 1e9;
        double elapsed = r.requests() / Math.max(r.requestsPerSecond(), 1e-9);
        double recordsPerSecond =
                (r.requests() - r.non2xx()) * (double) recordsPerRequest / (elapsed + drainS);
        return String.format(
                Locale.ROOT,
                "%-34s %,12.0f %,12.0f %9.2f %9.2f %8.2f %d",
                name,
                r.requestsPerSecond(),
                recordsPerSecond,
                r.p50Ms(),
                r.p99Ms(),
                recordsPerSecond / anchor,
                r.non2xx());
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    /** Waits until the gateway's brokers hold nothing (everything accepted is in Kafka). */
    private static void drain(Gateway gateway) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (gateway.bufferedEvents() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static Buffer batchBody(int n) {
        JsonArray records = new JsonArray();
        String value = Base64.getEncoder().encodeToString(new byte[VALUE_BYTES]);
        for (int i = 0; i < n; i++) {
            records.add(
                    new JsonObject()
                            .put("key", String.format(Locale.ROOT, "k%07d", i))
                            .put("value", value));
        }
        return new JsonObject().put("valueEncoding", "base64").put("records", records).toBuffer();
    }

    @SuppressWarnings("FutureReturnValueIgnored") // failures are counted by the send callbacks
    private static double rawKafkaProducer(String bootstrap, long n) throws InterruptedException {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", "65536");
        byte[] value = new byte[VALUE_BYTES];
        AtomicLong failed = new AtomicLong();
        Semaphore inFlight = new Semaphore(200_000);
        long start;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 10_000; i++) {
                producer.send(new ProducerRecord<>(TOPIC, key(i), value));
            }
            producer.flush();
            start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                inFlight.acquire();
                producer.send(
                        new ProducerRecord<>(TOPIC, key(i), value),
                        (md, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                            inFlight.release();
                        });
            }
            producer.flush();
        }
        if (failed.get() > 0) {
            System.out.println("raw KafkaProducer: " + failed.get() + " records failed");
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    private static final byte[][] KEYS = new byte[100_000][];

    static {
        for (int i = 0; i < KEYS.length; i++) {
            KEYS[i] =
                    String.format(Locale.ROOT, "k%07d", i)
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static byte[] key(long i) {
        return KEYS[(int) (i % KEYS.length)];
    }
}
