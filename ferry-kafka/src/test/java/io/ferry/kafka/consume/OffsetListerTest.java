package io.ferry.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.wire.FakeKafka;
import io.ferry.kafka.wire.FakeNodeChannel;
import io.ferry.kafka.wire.ListedOffset;
import io.ferry.kafka.wire.OffsetQuery;
import io.ferry.kafka.wire.WireError;
import io.ferry.kafka.wire.WireFailure;
import io.ferry.kafka.wire.WireRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The offset lister stepped by the test over {@link FakeKafka} with a fake clock. */
class OffsetListerTest {
    private final FakeKafka kafka = FakeKafka.withNodes(2).topic("t", 0, 0, 0, 1);
    private final FetchRig rig = new FetchRig(kafka);
    private final OffsetLister lister =
            new OffsetLister(rig.cluster(), IsolationLevel.READ_COMMITTED, "test", false);
    private final TopicPartition t0 = new TopicPartition("t", 0);
    private final TopicPartition t1 = new TopicPartition("t", 1);
    private final TopicPartition t2 = new TopicPartition("t", 2);
    private final TopicPartition t3 = new TopicPartition("t", 3);

    @AfterEach
    void close() {
        lister.close();
        rig.close();
    }

    private FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> listed(int node) {
        FakeNodeChannel c = kafka.channel(node, "offsets");
        return c == null ? null : c.next(WireRequest.ListOffsets.class);
    }

    private static WireRequest.ListOffsets request(FakeNodeChannel.Sent<?> s) {
        return (WireRequest.ListOffsets) s.request();
    }

    private static Map<TopicPartition, ListedOffset> answer(Object... tpAndOffsetOrError) {
        Map<TopicPartition, ListedOffset> m = new HashMap<>();
        for (int i = 0; i < tpAndOffsetOrError.length; i += 2) {
            TopicPartition tp = (TopicPartition) tpAndOffsetOrError[i];
            Object v = tpAndOffsetOrError[i + 1];
            m.put(
                    tp,
                    v instanceof Errors e
                            ? new ListedOffset(WireError.of(e.code(), null), -1, -1, -1)
                            : new ListedOffset(WireError.NONE, (Long) v, -1, 0));
        }
        return m;
    }

    private static Throwable failure(CompletableFuture<?> f) {
        assertThat(f).isCompletedExceptionally();
        try {
            f.get();
            throw new AssertionError("not failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aLookup_sendsOneListOffsetsPerLeaderNode_withEveryPartitionLedThere() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t0, t1, t2, t3), OffsetQuery.EARLIEST, 5_000);
        lister.runOnce();

        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> n0 = listed(0);
        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> n1 = listed(1);
        assertThat(request(n0).queries()).containsOnlyKeys(t0, t1, t2);
        assertThat(request(n1).queries()).containsOnlyKeys(t3);
        assertThat(request(n0).queries().get(t0).timestamp()).isEqualTo(OffsetQuery.EARLIEST);
        assertThat(request(n0).isolation()).isEqualTo(IsolationLevel.READ_COMMITTED);
        assertThat(lister.requestsSent()).isEqualTo(2);

        kafka.channel(0, "offsets").respond(n0, answer(t0, 10L, t1, 11L, t2, 12L));
        lister.runOnce();
        assertThat(f).isNotDone();
        kafka.channel(1, "offsets").respond(n1, answer(t3, 13L));
        lister.runOnce();
        assertThat(f).isCompletedWithValue(Map.of(t0, 10L, t1, 11L, t2, 12L, t3, 13L));
    }

    @Test
    void aLeaderChange_refreshesMetadata_andAsksTheNewLeaderAfterTheBackoff() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t0), OffsetQuery.LATEST, 5_000);
        lister.runOnce();
        kafka.moveLeader("t", 0, 1);
        kafka.channel(0, "offsets").respond(listed(0), answer(t0, Errors.NOT_LEADER_OR_FOLLOWER));
        lister.runOnce();
        assertThat(rig.refreshes).contains("t");
        assertThat(listed(1)).as("not before the backoff").isNull();

        rig.advance(OffsetLister.RETRY_BACKOFF_MS);
        lister.runOnce();
        FakeNodeChannel.Sent<Map<TopicPartition, ListedOffset>> again = listed(1);
        assertThat(request(again).queries().get(t0).currentLeaderEpoch())
                .isEqualTo(kafka.epoch("t", 0));
        kafka.channel(1, "offsets").respond(again, answer(t0, 42L));
        lister.runOnce();
        assertThat(f).isCompletedWithValue(Map.of(t0, 42L));
    }

    @Test
    void aDisconnect_isAskedAgainAfterTheBackoff() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t3), OffsetQuery.LATEST, 5_000);
        lister.runOnce();
        kafka.channel(1, "offsets").fail(listed(1), WireFailure.disconnected("test"));
        lister.runOnce();
        rig.advance(OffsetLister.RETRY_BACKOFF_MS);
        lister.runOnce();
        kafka.channel(1, "offsets").respond(listed(1), answer(t3, 5L));
        lister.runOnce();
        assertThat(f).isCompletedWithValue(Map.of(t3, 5L));
    }

    @Test
    void anotherPartitionError_failsTheLookup_withKafkasError() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t3), OffsetQuery.LATEST, 5_000);
        lister.runOnce();
        kafka.channel(1, "offsets")
                .respond(listed(1), answer(t3, Errors.TOPIC_AUTHORIZATION_FAILED));
        lister.runOnce();
        assertThat(failure(f))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TOPIC_AUTHORIZATION_FAILED");
    }

    @Test
    void aTopicKafkaSaysDoesNotExist_failsUnknownTopic() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(new TopicPartition("nope", 0)), OffsetQuery.LATEST, 5_000);
        lister.runOnce();
        Throwable e = failure(f);
        assertThat(e).isInstanceOf(ConsumeException.class).hasMessageContaining("'nope'");
        assertThat(((ConsumeException) e).reason())
                .isEqualTo(ConsumeException.Reason.UNKNOWN_TOPIC);
    }

    @Test
    void noAnswerByTheDeadline_failsWithATimeout_namingWhatIsMissing() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t0, t3), OffsetQuery.LATEST, 1_000);
        lister.runOnce();
        kafka.channel(0, "offsets").respond(listed(0), answer(t0, 1L));
        lister.runOnce();
        rig.advance(1_000);
        lister.runOnce();
        assertThat(failure(f)).isInstanceOf(TimeoutException.class).hasMessageContaining("t-3");
        kafka.channel(1, "offsets").respond(listed(1), answer(t3, 1L));
        lister.runOnce(); // a late answer changes nothing
        assertThat(failure(f)).isInstanceOf(TimeoutException.class);
    }

    @Test
    void close_failsWhatIsWaiting_andClosesTheConnections() {
        CompletableFuture<Map<TopicPartition, Long>> f =
                lister.list(List.of(t0), OffsetQuery.LATEST, 5_000);
        lister.runOnce();
        lister.close();
        assertThat(((ConsumeException) failure(f)).reason())
                .isEqualTo(ConsumeException.Reason.CLOSED);
        assertThat(kafka.channel(0, "offsets").closed()).isTrue();
        CompletableFuture<Map<TopicPartition, Long>> after =
                lister.list(List.of(t0), OffsetQuery.LATEST, 5_000);
        assertThat(((ConsumeException) failure(after)).reason())
                .isEqualTo(ConsumeException.Reason.CLOSED);
    }

    @Test
    void anEmptyLookup_completesAtOnce() {
        assertThat(lister.list(List.of(), OffsetQuery.LATEST, 5_000))
                .isCompletedWithValue(Map.of());
    }
}
