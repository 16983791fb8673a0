package io.ferry.gateway;

import io.ferry.kafka.consume.ConsumedMessage;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The answer to an HTTP take (issue 14): {@code ConsumeJson.messages} writing {@code n} messages of
 * {@code size} random bytes (base64, the default format), as the consume bench's takes of 100.
 * Takes per second. In the gateway's package because {@code ConsumeJson} is package-private.
 *
 * <pre>
 * java -jar ferry-bench/target/benchmarks.jar TakeJsonBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TakeJsonBenchmark {
    @Param({"100"})
    public int n;

    @Param({"100", "1000"})
    public int size;

    private List<ConsumedMessage> messages;

    @Setup
    public void setUp() {
        Random r = new Random(42);
        messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] value = new byte[size];
            r.nextBytes(value);
            messages.add(
                    new ConsumedMessage(
                            "consume-bench-2e2b0cd84da",
                            i % 4,
                            1_000_000L + i,
                            1_764_680_000_000L + i,
                            null,
                            value,
                            List.of(),
                            1));
        }
    }

    @Benchmark
    public Buffer take() {
        return ConsumeJson.messages(messages, ConsumeJson.Format.BASE64);
    }
}
