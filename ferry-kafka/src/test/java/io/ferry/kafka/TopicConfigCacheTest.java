package io.ferry.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 12: the topics' configs, fetched in the background, stepped over a fake cluster. */
class TopicConfigCacheTest {
    private static final int MAX_AGE_MS = 60_000;
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final FakeKafka kafka =
            FakeKafka.withNodes(1).topic("t", 0).topicConfig("t", "max.message.bytes", "2000");
    private final KafkaCluster cluster =
            KafkaCluster.builder(EngineRig.settings().withMetadataAges(MAX_AGE_MS, 600_000))
                    .clock(clock::get)
                    .channels(kafka)
                    .stepped()
                    .start();

    @BeforeEach
    void knowTheTopic() {
        cluster.refreshTopic("t");
        cluster.control().runOnce();
        assertThat(cluster.topic("t").state()).isEqualTo(TopicInfo.State.KNOWN);
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    private long describeRequests() {
        return kafka.opened().stream()
                .flatMap(c -> c.history().stream())
                .filter(r -> r instanceof WireRequest.DescribeConfigs)
                .count();
    }

    @Test
    void topicConfigs_areUnknown_untilTheBackgroundFetchIsAnswered() {
        assertThat(cluster.topicConfigs("t")).as("never a wait: unknown at first").isNull();
        cluster.control().runOnce();
        TopicConfigs c = cluster.topicConfigs("t");
        assertThat(c).isNotNull();
        assertThat(c.maxMessageBytes()).isEqualTo(2000);
        assertThat(c.createTime()).isTrue();
        assertThat(c.timestampBeforeMaxMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.timestampAfterMaxMs()).isEqualTo(3_600_000);
        assertThat(c.fetchedMs()).isEqualTo(clock.get());
        assertThat(describeRequests()).isEqualTo(1);
    }

    @Test
    void theFetch_asksOnlyForTheConfigsChecked() {
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        WireRequest.DescribeConfigs d =
                (WireRequest.DescribeConfigs)
                        kafka.control().history().stream()
                                .filter(r -> r instanceof WireRequest.DescribeConfigs)
                                .findFirst()
                                .orElseThrow();
        assertThat(d.topics()).containsExactly("t");
        assertThat(d.keys()).containsExactlyInAnyOrderElementsOf(TopicConfigs.KEYS);
    }

    @Test
    void topicConfigs_areRefreshed_atMostEveryMetadataMaxAge() {
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        kafka.topicConfig("t", "max.message.bytes", "3000");
        clock.addAndGet(MAX_AGE_MS - 1);
        assertThat(cluster.topicConfigs("t").maxMessageBytes()).isEqualTo(2000);
        cluster.control().runOnce();
        assertThat(describeRequests()).as("not due yet").isEqualTo(1);
        clock.addAndGet(1);
        assertThat(cluster.topicConfigs("t").maxMessageBytes())
                .as("the old answer while the new one is fetched")
                .isEqualTo(2000);
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("t").maxMessageBytes()).isEqualTo(3000);
        assertThat(describeRequests()).isEqualTo(2);
    }

    @Test
    void aTopicError_makesTheConfigsUnknown_andIsAskedAgainAfterTheRetryDelay() {
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        kafka.describeConfigsAnswers("t", "TOPIC_AUTHORIZATION_FAILED");
        clock.addAndGet(MAX_AGE_MS);
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("t")).as("not authorized: unknown, accept").isNull();
        kafka.describeConfigsAnswers("t", "NONE");
        clock.addAndGet(KafkaCluster.CONFIGS_RETRY_MS - 1);
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("t")).isNull();
        clock.addAndGet(1);
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("t")).isNotNull();
    }

    @Test
    void aTransportFailure_keepsWhatWasKnown_andOneFetchIsInFlightAtATime() {
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        FakeNodeChannel control = kafka.control();
        control.stopAutoResponding(WireRequest.DescribeConfigs.class);
        clock.addAndGet(MAX_AGE_MS);
        cluster.topicConfigs("t");
        cluster.topicConfigs("t");
        cluster.control().runOnce();
        assertThat(describeRequests()).as("one in flight").isEqualTo(2);
        control.fail(
                control.next(WireRequest.DescribeConfigs.class), WireFailure.disconnected("gone"));
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("t").maxMessageBytes()).isEqualTo(2000);
    }

    @Test
    void aTopicNotKnownToExist_isNeverDescribed() {
        assertThat(cluster.topicConfigs("nope")).isNull();
        cluster.control().runOnce();
        assertThat(cluster.topicConfigs("nope")).isNull();
        assertThat(describeRequests()).isZero();
    }

    @Test
    void valuesKafkaCannotMean_areNotKnown() {
        TopicConfigs c =
                TopicConfigs.from(
                        Map.of(
                                "max.message.bytes", "lots",
                                "message.timestamp.type", "LogAppendTime",
                                "message.timestamp.after.max.ms", "-5"),
                        7);
        assertThat(c.maxMessageBytes()).isEqualTo(TopicConfigs.UNKNOWN_BYTES);
        assertThat(c.createTime()).isFalse();
        assertThat(c.timestampBeforeMaxMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(c.timestampAfterMaxMs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void batchBytesOfOne_isTheEncodersSize_andTheUpperBoundIsAbove() {
        Event e =
                Event.builder("t")
                        .key("k".getBytes(StandardCharsets.UTF_8))
                        .value(new byte[1000])
                        .headers(List.of(new Header("h\u00e9", new byte[10])))
                        .timestampMs(123)
                        .build();
        int exact = TopicConfigs.batchBytesOfOne(e);
        // 61 header + record: length 2, attributes 1, deltas 1+1, key 1+1, value 2+1000,
        // header count 1, header key 1+3, header value 1+10
        assertThat(exact).isEqualTo(61 + 2 + 1 + 1 + 1 + 1 + 1 + 2 + 1000 + 1 + 1 + 3 + 1 + 10);
        assertThat(TopicConfigs.batchBytesUpperBound(e)).isGreaterThanOrEqualTo(exact);
        Event bare = Event.of("t", null);
        assertThat(TopicConfigs.batchBytesUpperBound(bare))
                .isGreaterThanOrEqualTo(TopicConfigs.batchBytesOfOne(bare));
    }
}
