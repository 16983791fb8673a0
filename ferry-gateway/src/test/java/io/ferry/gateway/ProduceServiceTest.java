package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.ClusterCondition;
import io.ferry.kafka.ClusterStatus;
import io.ferry.kafka.DeliveryFailure;
import io.ferry.kafka.TopicConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * {@link ProduceService} through a fake cluster, a stepped caller's thread and fake timers: one
 * test per refusal code, the ack levels, and the ack=kafka timeout. Deterministic: one thread.
 */
class ProduceServiceTest {
    private final FakeCluster cluster = new FakeCluster("main").known("orders", 3, false);
    private final FakeCluster.Loop loop = new FakeCluster.Loop();
    private final FakeCluster.FakeTimers timers = new FakeCluster.FakeTimers();
    private Authorizer authorizer = Authorizer.ALLOW_ALL;

    /** Every answer the service gave, in order. */
    private final List<ProduceResult> answers = new ArrayList<>();

    private ProduceService service() {
        return new ProduceService(Map.of("main", cluster), authorizer, timers);
    }

    private static ProduceRecord record(String value) {
        return ProduceRecord.of(null, value.getBytes(UTF_8));
    }

    private static ProduceRecord record(int partition, String value) {
        return new ProduceRecord(
                partition, null, value.getBytes(UTF_8), List.of(), ProduceRecord.NO_TIMESTAMP);
    }

    private void produce(String topic, AckLevel ack, ProduceRecord... records) {
        service().produce(loop.caller, "main", topic, List.of(records), ack, answers::add);
    }

    /** The one answer so far, after running the caller's thread. */
    private ProduceResult answer() {
        loop.runAll();
        assertThat(answers).as("answered exactly once").hasSize(1);
        return answers.get(0);
    }

    private ProduceRefusal.Code refusal() {
        ProduceResult r = answer();
        assertThat(r.refusal()).as(r.toString()).isNotNull();
        assertThat(cluster.published).as("nothing accepted").isEmpty();
        return r.refusal().code();
    }

    // ---- refusals of the whole request ----------------------------------------------------------

    @Test
    void unknownCluster_isRefused() {
        service()
                .produce(
                        loop.caller,
                        "nope",
                        "orders",
                        List.of(record("v")),
                        AckLevel.NONE,
                        answers::add);
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.UNKNOWN_CLUSTER);
        assertThat(answers.get(0).refusal().message()).contains("'nope'", "[main]");
        assertThat(service().checkCluster("main")).isNull();
        assertThat(service().checkCluster("nope").code())
                .isEqualTo(ProduceRefusal.Code.UNKNOWN_CLUSTER);
    }

    @Test
    void authorizer_isAskedFirst_withTheCallersPrincipal_beforeTopicExistence() {
        List<String> asked = new ArrayList<>();
        authorizer =
                (caller, c, topic) -> {
                    asked.add(caller.principal() + "@" + c + "/" + topic);
                    return new ProduceRefusal(
                            ProduceRefusal.Code.NOT_AUTHORIZED, caller.principal() + " may not");
                };
        CallContext alice = CallContext.authenticated("alice", loop.caller.executor());
        service()
                .produce(
                        alice,
                        "main",
                        "no-such-topic",
                        List.of(record("v")),
                        AckLevel.KAFKA,
                        answers::add);
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.NOT_AUTHORIZED);
        assertThat(asked).containsExactly("alice@main/no-such-topic");
        assertThat(cluster.refreshes).as("the topic's existence is not looked up").isZero();
    }

    @Test
    void allowAll_letsAnonymousCallersWrite() {
        assertThat(loop.caller.anonymous()).isTrue();
        produce("orders", AckLevel.NONE, record("v"));
        assertThat(answer()).isSameAs(ProduceResult.ACCEPTED_ONE);
    }

    @Test
    void invalidTopicName_isRefused() {
        produce("bad/name", AckLevel.NONE, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.INVALID_TOPIC);
    }

    @Test
    void internalTopics_areRefusedAtEveryAckLevel_withoutAskingKafka() {
        cluster.known("__consumer_offsets", 50, true);
        for (String topic :
                List.of("__consumer_offsets", "__transaction_state", "__share_group_state")) {
            for (AckLevel ack : AckLevel.values()) {
                answers.clear();
                produce(topic, ack, record("v"));
                assertThat(refusal())
                        .as("%s at %s", topic, ack)
                        .isEqualTo(ProduceRefusal.Code.INTERNAL_TOPIC);
                assertThat(answers.get(0).refusal().message()).contains("'" + topic + "'");
            }
        }
        assertThat(cluster.refreshes).isZero();
        assertThat(timers.scheduled).isZero();
    }

    @Test
    void aTopicTheMetadataMarksInternal_isRefused_fromTheCache_andAfterARefresh() {
        cluster.known("__future_internal", 1, true);
        produce("__future_internal", AckLevel.NONE, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.INTERNAL_TOPIC);

        answers.clear();
        // not in the cache yet: the refresh says internal
        FakeCluster c = new FakeCluster("main");
        c.refresh = new CompletableFuture<>();
        ProduceService s = new ProduceService(Map.of("main", c), authorizer, timers);
        s.produce(
                loop.caller,
                "main",
                "odd-internal",
                List.of(record("v")),
                AckLevel.LOCAL,
                answers::add);
        assertThat(c.refreshes).isEqualTo(1);
        c.known("odd-internal", 1, true);
        c.refresh.complete(c.topic("odd-internal"));
        ProduceResult r = answer();
        assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.INTERNAL_TOPIC);
        assertThat(c.published).isEmpty();
    }

    @Test
    void aRecordOverMaxRequestSize_isRefused_namingTheLargestValueThatFits() {
        cluster.maxRecordBytes = 100;
        produce("orders", AckLevel.NONE, record("x".repeat(100)));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.RECORD_TOO_LARGE);
        assertThat(answers.get(0).refusal().message())
                .startsWith("the record is 130 bytes")
                .contains("the largest value that fits with this key and these headers is 70");

        answers.clear();
        produce("orders", AckLevel.NONE, record("ok"), record("x".repeat(100)));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.RECORD_TOO_LARGE);
        assertThat(answers.get(0).refusal().message()).startsWith("records[1] is ");
    }

    @Test
    void aRecordWithFieldsOutOfRange_isRefusedAsInvalid() {
        produce("orders", AckLevel.NONE, record(-7, "v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.INVALID_RECORD);
    }

    @Test
    void aMissingTopic_isRefused() {
        cluster.missing("gone", 0);
        produce("gone", AckLevel.NONE, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.UNKNOWN_TOPIC);
    }

    @Test
    void aPartitionBeyondTheTopic_isRefused_afterOneRefresh() {
        produce("orders", AckLevel.NONE, record("a"), record(7, "b"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.UNKNOWN_PARTITION);
        assertThat(cluster.refreshes).isEqualTo(1);
        assertThat(answers.get(0).refusal().message())
                .isEqualTo(
                        "records[1]: partition 7 does not exist; topic 'orders' has 3 partitions"
                                + " (0..2)");
    }

    @Test
    void ackKafka_whileKafkaRefusesTheGateway_isRefused_butLocalIsAccepted() {
        cluster.status =
                new ClusterStatus(
                        ClusterStatus.State.REFUSED,
                        List.of(
                                new ClusterCondition(
                                        ClusterCondition.Kind.AUTHENTICATION,
                                        "node 1",
                                        "bad password",
                                        0)));
        produce("orders", AckLevel.KAFKA, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.KAFKA_REFUSED);
        assertThat(answers.get(0).refusal().message()).contains("bad password");

        answers.clear();
        produce("orders", AckLevel.LOCAL, record("v"));
        assertThat(answer()).isSameAs(ProduceResult.ACCEPTED_ONE);
    }

    @Test
    void ackKafka_whenTheTopicCannotBeVerified_isRefused_butNoneIsAccepted() {
        cluster.status =
                new ClusterStatus(
                        ClusterStatus.State.UNAVAILABLE,
                        List.of(
                                new ClusterCondition(
                                        ClusterCondition.Kind.UNREACHABLE, "control", "no", 0)));
        produce("unseen", AckLevel.KAFKA, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.CANNOT_VERIFY);
        assertThat(cluster.refreshes).as("Kafka is known not to answer").isZero();

        answers.clear();
        produce("unseen", AckLevel.NONE, record("v"));
        assertThat(answer()).isSameAs(ProduceResult.ACCEPTED_ONE);
    }

    @Test
    void ackKafka_toATopicKafkaDoesNotAuthorize_isRefused() {
        cluster.failedTopic("secret", "TOPIC_AUTHORIZATION_FAILED");
        produce("secret", AckLevel.KAFKA, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.KAFKA_NOT_AUTHORIZED);
    }

    @Test
    void aFullBroker_refusesTheRequestWhole() {
        cluster.capacity = 0;
        produce("orders", AckLevel.NONE, record("v"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.BROKER_FULL);
        answers.clear();
        produce("orders", AckLevel.KAFKA, record("a"), record("b"));
        assertThat(refusal()).isEqualTo(ProduceRefusal.Code.BROKER_FULL);
        assertThat(timers.scheduled).isZero();
    }

    @Test
    void aBrokerFillingMidBatch_failsTheRestInOrder() {
        cluster.capacity = 1;
        produce("orders", AckLevel.NONE, record("a"), record("b"), record("c"));
        ProduceResult r = answer();
        assertThat(r.refusal()).isNull();
        assertThat(r.record(0)).isSameAs(RecordResult.ACCEPTED);
        assertThat(r.record(1).failure().code()).isEqualTo(ProduceRefusal.Code.BROKER_FULL);
        assertThat(r.record(2).failure().code()).isEqualTo(ProduceRefusal.Code.BROKER_FULL);
        assertThat(cluster.published).hasSize(1);
    }

    // ---- ack levels -----------------------------------------------------------------------------

    @Test
    void ackNone_answersSynchronously_withTheSharedResult() {
        produce("orders", AckLevel.NONE, record("v"));
        assertThat(answers).as("before produce returned").hasSize(1);
        assertThat(answers.get(0)).isSameAs(ProduceResult.ACCEPTED_ONE);
        assertThat(loop.runAll()).as("nothing handed to the caller's executor").isZero();
        assertThat(timers.scheduled).isZero();
    }

    @Test
    void ackLocal_onADurableBroker_waitsUntilStored() {
        cluster.durableAcks = true;
        produce("orders", AckLevel.LOCAL, record("a"), record("b"));
        loop.runAll();
        assertThat(answers).isEmpty();
        assertThat(cluster.storedWaiters).hasSize(1);
        cluster.storedWaiters.get(0).run();
        ProduceResult r = answer();
        assertThat(r.records()).containsExactly(RecordResult.ACCEPTED, RecordResult.ACCEPTED);
    }

    @Test
    void ackKafka_answersEachRecordsPartitionAndOffset_onTheCallersThread() {
        produce("orders", AckLevel.KAFKA, record("a"), record("b"));
        assertThat(cluster.pending).hasSize(2);
        cluster.pending.get(1).deliver(2, 41);
        cluster.pending.get(0).fail(DeliveryFailure.of(DeliveryFailure.Code.UNKNOWN_TOPIC, "gone"));
        assertThat(answers).as("not before the caller's thread runs").isEmpty();
        ProduceResult r = answer();
        assertThat(r.record(0).failure().code()).isEqualTo(ProduceRefusal.Code.UNKNOWN_TOPIC);
        assertThat(r.record(1).delivered()).isTrue();
        assertThat(r.record(1).partition()).isEqualTo(2);
        assertThat(r.record(1).offset()).isEqualTo(41);
        assertThat(timers.active()).as("the timer is cancelled").isZero();
    }

    @Test
    void engineFailures_mapToRefusalCodes() {
        assertThat(
                        ProduceRefusal.of(
                                        DeliveryFailure.of(
                                                DeliveryFailure.Code.DELIVERY_TIMEOUT, "x"))
                                .code())
                .isEqualTo(ProduceRefusal.Code.TIMED_OUT);
        assertThat(
                        ProduceRefusal.of(
                                        DeliveryFailure.of(DeliveryFailure.Code.AUTHORIZATION, "x"))
                                .code())
                .isEqualTo(ProduceRefusal.Code.KAFKA_NOT_AUTHORIZED);
        for (DeliveryFailure.Code c : DeliveryFailure.Code.values()) {
            assertThat(ProduceRefusal.of(DeliveryFailure.of(c, "because")).message())
                    .isEqualTo("because");
        }
    }

    // ---- the ack=kafka timeout ------------------------------------------------------------------

    @Test
    void ackKafka_answersTheUnansweredRecordsTimedOut_atDeliveryTimeout_andIgnoresLateAnswers() {
        cluster.deliveryTimeoutMs = 500;
        produce("orders", AckLevel.KAFKA, record("a"), record("b"), record("c"));
        assertThat(timers.scheduled).isEqualTo(1);
        cluster.pending.get(0).deliver(0, 7);
        timers.advance(499);
        loop.runAll();
        assertThat(answers).as("not before delivery.timeout.ms").isEmpty();

        timers.advance(1);
        ProduceResult r = answer();
        assertThat(r.record(0).delivered()).isTrue();
        for (int i = 1; i < 3; i++) {
            ProduceRefusal f = r.record(i).failure();
            assertThat(f.code()).isEqualTo(ProduceRefusal.Code.TIMED_OUT);
            assertThat(f.message()).contains("outcome not known yet", "still queued", "500 ms");
        }
        assertThat(cluster.pending)
                .as("no waiter keeps a reference to the answered request")
                .noneMatch(FakeCluster.Pending::holdsOutcome);

        // the engine answers late: ignored, nothing answered twice
        assertThat(cluster.pending.get(1).deliver(1, 9)).isFalse();
        assertThat(
                        cluster.pending
                                .get(2)
                                .fail(DeliveryFailure.of(DeliveryFailure.Code.KAFKA_ERROR, "x")))
                .isFalse();
        timers.advance(10_000);
        loop.runAll();
        assertThat(answers).hasSize(1);
        assertThat(timers.active()).isZero();
    }

    @Test
    void ackKafka_singleRecord_timesOut() {
        cluster.deliveryTimeoutMs = 30_000;
        produce("orders", AckLevel.KAFKA, record("a"));
        timers.advance(30_000);
        ProduceResult r = answer();
        assertThat(r.record(0).failure().code()).isEqualTo(ProduceRefusal.Code.TIMED_OUT);
        assertThat(Produce.http(r.record(0).failure()).status).isEqualTo(504);
        assertThat(Produce.http(r.record(0).failure()).code).isEqualTo("delivery_timeout");
    }

    @Test
    void ackKafka_afterATopicRefresh_publishesOnTheCallersThread_andStartsTheTimerThen() {
        FakeCluster c = new FakeCluster("main");
        c.refresh = new CompletableFuture<>();
        ProduceService s = new ProduceService(Map.of("main", c), authorizer, timers);
        s.produce(loop.caller, "main", "late", List.of(record("v")), AckLevel.KAFKA, answers::add);
        c.known("late", 1, false);
        c.refresh.complete(c.topic("late"));
        assertThat(c.published).as("not on the refresh's thread").isEmpty();
        loop.runAll();
        assertThat(c.published).hasSize(1);
        assertThat(timers.scheduled).isEqualTo(1);
        c.pending.get(0).deliver(0, 0);
        assertThat(answer().record(0).delivered()).isTrue();
    }

    @Test
    void theCompletionStageConvenience_completesWithTheSameResult() {
        CompletionStage<ProduceResult> f =
                service()
                        .produce(
                                loop.caller, "main", "orders", List.of(record("v")), AckLevel.NONE);
        assertThat(f.toCompletableFuture().getNow(null)).isSameAs(ProduceResult.ACCEPTED_ONE);
    }

    @Test
    void everyRefusalCode_hasAnHttpAnswer() {
        for (ProduceRefusal.Code code : ProduceRefusal.Code.values()) {
            ApiException e = Produce.http(new ProduceRefusal(code, "m"));
            assertThat(e.status).as(code.name()).isBetween(400, 599);
            assertThat(e.getMessage()).isEqualTo("m");
        }
        assertThat(Produce.http(new ProduceRefusal(ProduceRefusal.Code.INTERNAL_TOPIC, "m")).code)
                .isEqualTo("internal_topic");
    }

    // ---- issue 12: refusal at the door where the topic's configs make it certain -------------

    private static final long HOUR_MS = 3_600_000;

    private void configs(int maxMessageBytes, boolean createTime, long beforeMs, long afterMs) {
        cluster.configs.put(
                "orders",
                new TopicConfigs(maxMessageBytes, createTime, beforeMs, afterMs, cluster.nowMs));
    }

    private static ProduceRecord sized(int valueBytes) {
        return ProduceRecord.of(null, new byte[valueBytes]);
    }

    private static ProduceRecord stamped(long timestampMs) {
        return new ProduceRecord(
                ProduceRecord.NO_PARTITION, null, "v".getBytes(UTF_8), List.of(), timestampMs);
    }

    private ProduceResult produceOnce(AckLevel ack, ProduceRecord... records) {
        answers.clear();
        cluster.published.clear();
        produce("orders", ack, records);
        return answer();
    }

    /** A value of 1930 bytes, without key or headers, is a batch of exactly 2000 bytes. */
    private static final int FITS_2000 = 1930;

    @Test
    void theSizeOfOneRecordInABatch_isWhatTheEngineEncodes() {
        assertThat(TopicConfigs.batchBytesOfOne(sized(FITS_2000).toEvent("orders")))
                .isEqualTo(2000);
    }

    @Test
    void aRecordOverTheTopicsMaxMessageBytes_isRefused_atEveryAckLevel_namingTheLimit() {
        configs(2000, true, Long.MAX_VALUE, HOUR_MS);
        for (AckLevel ack : AckLevel.values()) {
            ProduceResult r = produceOnce(ack, sized(FITS_2000 + 1));
            assertThat(r.refusal()).as("%s: %s", ack, r).isNotNull();
            assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.RECORD_TOO_LARGE);
            assertThat(r.refusal().message())
                    .contains("2001 bytes", "topic 'orders'", "max.message.bytes=2000");
            assertThat(cluster.published).as("nothing accepted").isEmpty();
        }
        assertThat(Produce.http(answers.get(0).refusal()).status).isEqualTo(413);
    }

    @Test
    void aRecordThatFitsTheTopicsMaxMessageBytes_exactly_isAccepted() {
        configs(2000, true, Long.MAX_VALUE, HOUR_MS);
        assertThat(produceOnce(AckLevel.LOCAL, sized(FITS_2000)).refusal()).isNull();
        assertThat(cluster.published).hasSize(1);
    }

    @Test
    void withCompression_theSizeAtTheBrokerIsNotCertain_soNothingIsRefusedForIt() {
        cluster.uncompressed = false;
        configs(2000, true, Long.MAX_VALUE, HOUR_MS);
        assertThat(produceOnce(AckLevel.LOCAL, sized(5000)).refusal()).isNull();
        assertThat(cluster.published).hasSize(1);
    }

    @Test
    void withTheConfigsNotKnown_nothingIsRefusedForThem() {
        assertThat(cluster.topicConfigs("orders")).isNull();
        assertThat(produceOnce(AckLevel.LOCAL, sized(5000), stamped(0)).refusal()).isNull();
        assertThat(cluster.published).hasSize(2);
    }

    @Test
    void aTimestampOlderThanTheWindow_byMoreThanTheMargin_isRefused_namingTheWindow() {
        configs(1_000_000, true, 60_000, HOUR_MS);
        long margin = TopicCheck.TIMESTAMP_MARGIN_MS;
        ProduceResult r = produceOnce(AckLevel.LOCAL, stamped(cluster.nowMs - 60_000 - margin - 1));
        assertThat(r.refusal()).as(r.toString()).isNotNull();
        assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.INVALID_TIMESTAMP);
        assertThat(r.refusal().message())
                .contains(
                        "in the past",
                        "message.timestamp.before.max.ms=60000 ms",
                        "message.timestamp.after.max.ms=3600000 ms");
        assertThat(cluster.published).isEmpty();
        ApiException http = Produce.http(r.refusal());
        assertThat(http.status).isEqualTo(400);
        assertThat(http.code).isEqualTo("invalid_timestamp");

        assertThat(produceOnce(AckLevel.LOCAL, stamped(cluster.nowMs - 60_000 - margin)).refusal())
                .as("within the margin: Kafka's clock may say it fits")
                .isNull();
    }

    @Test
    void aTimestampAheadOfTheWindow_byMoreThanTheMargin_isRefused_atAckKafkaToo() {
        configs(1_000_000, true, Long.MAX_VALUE, HOUR_MS);
        long margin = TopicCheck.TIMESTAMP_MARGIN_MS;
        ProduceResult r =
                produceOnce(AckLevel.KAFKA, stamped(cluster.nowMs + HOUR_MS + margin + 1));
        assertThat(r.refusal()).as(r.toString()).isNotNull();
        assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.INVALID_TIMESTAMP);
        assertThat(r.refusal().message()).contains("ahead", "(no limit)");
        assertThat(cluster.published).isEmpty();
        assertThat(produceOnce(AckLevel.NONE, stamped(cluster.nowMs + HOUR_MS + margin)).refusal())
                .isNull();
        assertThat(produceOnce(AckLevel.NONE, stamped(0)).refusal()).as("no lower limit").isNull();
    }

    @Test
    void recordsWithoutATimestamp_orWithLogAppendTime_areNeverRefusedForIt() {
        configs(1_000_000, true, 0, 0);
        assertThat(produceOnce(AckLevel.LOCAL, record("v")).refusal()).isNull();
        configs(1_000_000, false, 0, 0);
        assertThat(produceOnce(AckLevel.LOCAL, stamped(0)).refusal()).isNull();
    }

    @Test
    void inABatch_oneRecordOutsideTheConfigs_failsTheWholeRequest_namingItsIndex() {
        configs(2000, true, 60_000, HOUR_MS);
        ProduceResult r =
                produceOnce(AckLevel.LOCAL, record("a"), stamped(cluster.nowMs - 10 * HOUR_MS));
        assertThat(r.refusal()).as(r.toString()).isNotNull();
        assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.INVALID_TIMESTAMP);
        assertThat(r.refusal().message()).startsWith("records[1]: ");
        r = produceOnce(AckLevel.LOCAL, record("a"), record("b"), sized(FITS_2000 + 1));
        assertThat(r.refusal().code()).isEqualTo(ProduceRefusal.Code.RECORD_TOO_LARGE);
        assertThat(r.refusal().message()).startsWith("records[2] is 2001 bytes");
        assertThat(cluster.published).isEmpty();
    }
}
