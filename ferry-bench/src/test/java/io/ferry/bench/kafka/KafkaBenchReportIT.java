package io.ferry.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The harness end to end with tiny N against the in-process Kafka node it starts itself. */
class KafkaBenchReportIT {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void tinyRun_bothSidesProduceEveryRecordExactlyOnce_andTheReportHasBothRows() throws Exception {
        KafkaBenchOptions options =
                KafkaBenchOptions.parse(
                        new String[] {
                            "--records",
                            "20000",
                            "--runs",
                            "1",
                            "--warmup-records",
                            "2000",
                            "--threads",
                            "3"
                        });
        ByteArrayOutputStream text = new ByteArrayOutputStream();

        KafkaBenchTable table =
                KafkaBenchReport.run(options, new PrintStream(text, true, StandardCharsets.UTF_8));

        String report = text.toString(StandardCharsets.UTF_8);
        assertThat(table.runs()).hasSize(2);
        assertThat(table.runs())
                .allSatisfy(
                        r -> {
                            assertThat(r.endOffsetSum())
                                    .as(r.side() + " end offsets")
                                    .isEqualTo(20_000);
                            assertThat(r.failures()).as(r.side() + " failures").isZero();
                        });
        assertThat(table.allCorrect()).isTrue();
        assertThat(table.row("KafkaProducer"))
                .hasValueSatisfying(r -> assertThat(r.recordsPerSec()).isPositive());
        assertThat(table.row("Ferry")).hasValueSatisfying(r -> assertThat(r.p99Ms()).isPositive());
        assertThat(report)
                .contains("| KafkaProducer |", "| Ferry |", "Ferry/KafkaProducer: throughput");
    }

    @Test
    void options_defaultsAreTheIssues_andBadOnesSayWhatIsAccepted() {
        KafkaBenchOptions d = KafkaBenchOptions.defaults();
        assertThat(d.records()).isEqualTo(2_000_000);
        assertThat(d.recordSizeBytes()).isEqualTo(100);
        assertThat(d.partitions()).isEqualTo(4);
        assertThat(d.kafkaAcks()).isEqualTo("all");
        assertThat(d.lingerMs()).isEqualTo(5);
        assertThat(d.batchSizeBytes()).isEqualTo(65_536);
        assertThat(d.compressionType()).isEqualTo("none");
        assertThat(d.warmupRecords()).isEqualTo(200_000);
        assertThat(
                        KafkaBenchOptions.parse(
                                        new String[] {"--records=1000", "--compression", "lz4"})
                                .warmupRecords())
                .isEqualTo(100);
        assertThatThrownBy(() -> KafkaBenchOptions.parse(new String[] {"--compression", "brotli"}))
                .hasMessageContaining("expected none, gzip, snappy, lz4 or zstd");
        assertThatThrownBy(() -> KafkaBenchOptions.parse(new String[] {"--nope", "1"}))
                .hasMessageContaining("unknown option --nope");
    }
}
