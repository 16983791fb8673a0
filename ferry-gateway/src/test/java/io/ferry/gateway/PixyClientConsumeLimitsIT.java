package io.ferry.gateway;

import static io.ferry.gateway.PixyClient.SECOND;
import static io.ferry.gateway.PixyClient.ack;
import static io.ferry.gateway.PixyClient.noAck;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.ferry.testkafka.InProcessKafka;
import io.ferry.testkafka.KafkaTest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pixyclient.ConsNAckRq;
import pixyclient.ConsRs;
import pixyclient.ProdRq;

/**
 * kafka-pixy's consume RPCs refusing bad input and holding their limits (issue 14, "Bad input and
 * limits"), from a kafka-pixy client (grpc-java's own stubs) on the real gateway and Kafka: the
 * long-poll timeout, too many waiting, a request over the size limit, acknowledgements this
 * instance cannot take, a client gone mid-long-poll, a shutdown with long polls waiting.
 */
@KafkaTest(combined = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PixyClientConsumeLimitsIT {
    private static final String DEFAULT = "";
    private static InProcessKafka kafka;
    private static PixyClient client;

    /** The default cluster: a 1 s long poll. */
    private static final ConsumeConfig SHORT =
            ConsumeConfig.DEFAULT.withStartAtEarliest(true).withLimits(1_000, 10_000, 100, 100);

    /** The second cluster: a 5 s long poll, 2 waiting at most. */
    private static final ConsumeConfig TIGHT =
            ConsumeConfig.DEFAULT.withStartAtEarliest(true).withLimits(5_000, 10_000, 2, 100);

    @BeforeAll
    static void start(InProcessKafka cluster, @TempDir Path dir) {
        kafka = cluster;
        for (String t : new String[] {"quiet", "lim", "acks", "gone", "shut"}) {
            kafka.createTopic(t, 1);
        }
        client = PixyClient.start(kafka, SHORT, TIGHT, dir);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    private static void produce(String cluster, String topic, String value) {
        client.pixy()
                .produce(
                        ProdRq.newBuilder()
                                .setCluster(cluster)
                                .setTopic(topic)
                                .setMessage(ByteString.copyFrom(value, UTF_8))
                                .build());
    }

    private static ConsRs next(PixyClient c, ConsNAckRq rq) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                return c.pixy().consumeNAck(rq);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static Status.Code failure(ListenableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void longPollTimeout_isNotFound_afterTheClustersTimeout_asKafkaPixyAnswersIt() {
        Runnable call = () -> client.pixy().consumeNAck(noAck(DEFAULT, "quiet", "quiet-g"));
        long t0 = System.nanoTime();
        Status s = PixyClient.status(call);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(s.getDescription()).startsWith("long polling timeout").contains("'quiet'");
        assertThat(ms).as("waited the long-poll timeout").isBetween(900L, 9_000L);
        assertThat(PixyClient.errorCode(call)).isEqualTo("long_poll_timeout");
    }

    @Test
    void tooManyWaitingLongPolls_theNextIsResourceExhausted_sayingWhichSetting() throws Exception {
        ListenableFuture<ConsRs> a = client.async().consumeNAck(noAck(SECOND, "lim", "lim-g"));
        ListenableFuture<ConsRs> b = client.async().consumeNAck(noAck(SECOND, "lim", "lim-g"));
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .until(() -> client.cluster(SECOND).waiting.get() == 2);
        Status third =
                PixyClient.status(() -> client.pixy().consumeNAck(noAck(SECOND, "lim", "lim-g")));
        assertThat(third.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(third.getDescription()).contains("consume.max-waiting").contains("retry later");
        assertThat(failure(a)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(b)).isEqualTo(Status.Code.NOT_FOUND);
        Awaitility.await()
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> client.cluster(SECOND).waiting.get() == 0);
    }

    @Test
    void aRequestOverTheSizeLimit_isResourceExhausted_theChannelStillWorks() {
        ConsNAckRq big = noAck(DEFAULT, "quiet", "g".repeat(PixyClient.MAX_MESSAGE + 1));
        Status s = PixyClient.status(() -> client.pixy().consumeNAck(big));
        assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(s.getDescription())
                .contains("gateway.grpc.max-message-bytes=" + PixyClient.MAX_MESSAGE)
                .contains(Integer.toString(big.getSerializedSize()));
        assertThat(
                        PixyClient.status(
                                        () ->
                                                client.pixy()
                                                        .consumeNAck(
                                                                noAck(DEFAULT, "quiet", "small-g")))
                                .getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void anAckThisInstanceCannotTake_isFailedPrecondition_sayingWhy_notInternal() {
        Runnable stranger = () -> client.pixy().ack(ack(DEFAULT, "acks", "stranger-g", 0, 0));
        Status s = PixyClient.status(stranger);
        assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(s.getDescription())
                .contains("does not consume group 'stranger-g'")
                .contains("acknowledge at the instance that offered");
        assertThat(PixyClient.errorCode(stranger)).isEqualTo("not_consumed_here");

        produce(DEFAULT, "acks", "first");
        ConsRs first = next(client, noAck(DEFAULT, "acks", "acks-g"));
        assertThat(first.getMessage().toStringUtf8()).isEqualTo("first");
        Runnable never = () -> client.pixy().ack(ack(DEFAULT, "acks", "acks-g", 0, 99));
        Status n = PixyClient.status(never);
        assertThat(n.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(n.getDescription()).contains("offset 99 of partition 0").contains("not offered");
        assertThat(PixyClient.errorCode(never)).isEqualTo("never_offered");
        assertThat(
                        PixyClient.status(
                                        () ->
                                                client.pixy()
                                                        .ack(ack(DEFAULT, "acks", "acks-g", 7, 0)))
                                .getCode())
                .as("a partition this instance does not own")
                .isEqualTo(Status.Code.FAILED_PRECONDITION);

        // the same ack sent with a ConsumeNAck does not fail the call: the client cannot act on it
        produce(DEFAULT, "acks", "second");
        ConsRs second =
                next(
                        client,
                        ConsNAckRq.newBuilder()
                                .setTopic("acks")
                                .setGroup("acks-g")
                                .setAckPartition(0)
                                .setAckOffset(99)
                                .build());
        assertThat(second.getMessage().toStringUtf8()).isEqualTo("second");
        client.pixy().ack(ack(DEFAULT, "acks", "acks-g", 0, first.getOffset()));
        client.pixy().ack(ack(DEFAULT, "acks", "acks-g", 0, second.getOffset()));
        client.pixy().ack(ack(DEFAULT, "acks", "acks-g", 0, second.getOffset())); // idempotent
    }

    @Test
    void badInput_isInvalidArgument_anUnknownTopicNotFound_eachSayingWhat() {
        Status noGroup =
                PixyClient.status(
                        () ->
                                client.pixy()
                                        .consumeNAck(
                                                ConsNAckRq.newBuilder()
                                                        .setTopic("quiet")
                                                        .setNoAck(true)
                                                        .build()));
        assertThat(noGroup.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(noGroup.getDescription()).contains("no consumer group given");
        Status badTopic =
                PixyClient.status(
                        () -> client.pixy().consumeNAck(noAck(DEFAULT, "bad topic!", "g")));
        assertThat(badTopic.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(badTopic.getDescription()).contains("'bad topic!'");
        Status unknown =
                PixyClient.status(
                        () -> client.pixy().consumeNAck(noAck(DEFAULT, "no-such-topic", "g")));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).contains("'no-such-topic' does not exist");
        Status cluster =
                PixyClient.status(() -> client.pixy().consumeNAck(noAck("nowhere", "quiet", "g")));
        assertThat(cluster.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(cluster.getDescription()).contains("'nowhere'");
        assertThat(
                        PixyClient.status(() -> client.pixy().ack(ack(DEFAULT, "", "g", 0, 0)))
                                .getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void aClientGoneMidLongPoll_endsTheCallAndItsPoll_theMessageGoesToTheNextCall()
            throws Exception {
        ListenableFuture<ConsRs> gone = client.async().consumeNAck(noAck(SECOND, "gone", "gone-g"));
        Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .until(() -> client.cluster(SECOND).waiting.get() == 1);
        gone.cancel(true); // grpc-java resets the stream
        // within the 5 s long poll: the gateway saw the reset and cancelled the poll
        Awaitility.await()
                .atMost(3, TimeUnit.SECONDS)
                .until(
                        () ->
                                client.cluster(SECOND).waiting.get() == 0
                                        && client.gateway.requestsInProgress() == 0);
        produce(SECOND, "gone", "kept");
        ConsRs m = next(client, noAck(SECOND, "gone", "gone-g"));
        assertThat(m.getMessage().toStringUtf8())
                .as("offered to the next call, not to the cancelled one")
                .isEqualTo("kept");
        client.pixy().ack(ack(SECOND, "gone", "gone-g", m.getPartition(), m.getOffset()));
    }

    @Test
    void shutdown_answersAWaitingLongPollUnavailable_atOnce_notAtItsTimeout(@TempDir Path dir)
            throws Exception {
        ConsumeConfig longPoll =
                ConsumeConfig.DEFAULT.withStartAtEarliest(true).withLimits(20_000, 30_000, 10, 10);
        PixyClient other = PixyClient.start(kafka, longPoll, longPoll, dir);
        try {
            ListenableFuture<ConsRs> waiting =
                    other.async().consumeNAck(noAck(DEFAULT, "shut", "shut-g"));
            Awaitility.await()
                    .atMost(30, TimeUnit.SECONDS)
                    .until(() -> other.cluster(DEFAULT).waiting.get() == 1);
            assertThat(other.gateway.requestsInProgress()).isEqualTo(1);
            long t0 = System.nanoTime();
            assertThat(other.gateway.shutdown()).isTrue();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).as("not held up by the 20 s long poll").isLessThan(15_000);
            Status s = null;
            try {
                waiting.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                s = Status.fromThrowable(e.getCause());
            }
            assertThat(s).as("the long poll failed").isNotNull();
            assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(s.getDescription()).as(s.toString()).contains("shutting down");
            assertThat(other.gateway.requestsInProgress()).isZero();
        } finally {
            other.close();
        }
    }
}
