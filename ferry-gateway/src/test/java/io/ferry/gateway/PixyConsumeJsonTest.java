package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.ferry.kafka.consume.PartitionOffset;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** kafka-pixy's consume JSON, written and read as its Go server does; and its statuses. */
class PixyConsumeJsonTest {
    @Test
    void aMessage_isBase64WithTheStandardAlphabetAndPadding_aMissingKeyIsNull() {
        byte[] value = {(byte) 0xfb, (byte) 0xff, 'x'}; // "+/94" in base64, "-_94" in base64url
        ConsumedMessage m =
                new ConsumedMessage(
                        "t",
                        2,
                        41,
                        0,
                        null,
                        value,
                        List.of(new Header("trace", new byte[] {0, 1}), new Header("n", null)),
                        1);
        assertThat(PixyConsumeJson.message(m).toString())
                .isEqualTo(
                        "{\"key\":null,\"value\":\"+/94\",\"partition\":2,\"offset\":41,"
                                + "\"headers\":[{\"key\":\"trace\",\"value\":\"AAE=\"},"
                                + "{\"key\":\"n\",\"value\":null}]}");
        ConsumedMessage plain =
                new ConsumedMessage("t", 0, 0, 0, "k".getBytes(UTF_8), null, List.of(), 1);
        assertThat(PixyConsumeJson.message(plain).toString())
                .isEqualTo(
                        "{\"key\":\"aw==\",\"value\":null,\"partition\":0,\"offset\":0,"
                                + "\"headers\":[]}");
    }

    @Test
    void offsets_leaveEmptyMetadataAndSparseAcksOut_asOmitempty() {
        List<PartitionOffset> o =
                List.of(
                        new PartitionOffset(0, 0, 1011, 1011, 1000, 11, "CCGB", "2-4,10-11"),
                        new PartitionOffset(1, 5, 5, 0, -1, 0, "", ""));
        assertThat(PixyConsumeJson.offsets(o).toString())
                .isEqualTo(
                        "[{\"partition\":0,\"begin\":0,\"end\":1011,\"count\":1011,"
                                + "\"offset\":1000,\"lag\":11,\"metadata\":\"CCGB\","
                                + "\"sparse_acks\":\"2-4,10-11\"},"
                                + "{\"partition\":1,\"begin\":5,\"end\":5,\"count\":0,"
                                + "\"offset\":-1,\"lag\":0}]");
    }

    @Test
    void consumers_areGroupToMemberToPartitions() {
        Map<String, Map<String, List<Integer>>> g = new LinkedHashMap<>();
        g.put("billing", Map.of("ferry/abc", List.of(0, 1)));
        assertThat(PixyConsumeJson.consumers(g).toString())
                .isEqualTo("{\"billing\":{\"ferry/abc\":[0,1]}}");
    }

    @Test
    void offsetsToSet_readsWhatGetAnswers_ignoringItsOtherFields() {
        Buffer body =
                Buffer.buffer(
                        "[{\"partition\":0,\"begin\":0,\"end\":9,\"offset\":7,\"lag\":2,"
                                + "\"metadata\":\"CCGB\",\"sparse_acks\":\"2-4\"},"
                                + "{\"partition\":1,\"offset\":3}]");
        assertThat(PixyConsumeJson.offsetsToSet(body))
                .containsExactly(new OffsetToSet(0, 7, "CCGB"), new OffsetToSet(1, 3, ""));
    }

    @Test
    void offsetsToSet_refusesWhatIsNotAListOfPartitionsAndOffsets_namingTheEntry() {
        assertRefused("", "the body is empty");
        assertRefused("{\"partition\":0}", "the body is not a list");
        assertRefused("[{\"partition\":0", "the body is not JSON");
        assertRefused("[1]", "entry 0 is not an object");
        assertRefused("[{\"offset\":1}]", "entry 0: partition is missing");
        assertRefused(
                "[{\"partition\":0,\"offset\":1},{\"partition\":1}]", "entry 1: offset is missing");
        assertRefused(
                "[{\"partition\":0,\"offset\":\"1\"}]",
                "entry 0: offset is 1; expected an integer");
        assertRefused("[{\"partition\":0,\"offset\":1.5}]", "entry 0: offset is 1.5");
        assertRefused(
                "[{\"partition\":-1,\"offset\":1}]", "entry 0: partition is -1; expected 0..");
        assertRefused("[{\"partition\":2147483648,\"offset\":1}]", "partition is 2147483648");
        assertRefused("[{\"partition\":0,\"offset\":1,\"metadata\":5}]", "metadata is 5");
    }

    private static void assertRefused(String body, String message) {
        assertThatThrownBy(() -> PixyConsumeJson.offsetsToSet(Buffer.buffer(body)))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((ApiException) e).status)
                .isEqualTo(400);
    }

    @Test
    void statuses_areKafkaPixysWhereItHasThem_andA409ForAnAckThisInstanceCannotTake() {
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.UNKNOWN_CLUSTER)).isEqualTo(400);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.INVALID_REQUEST)).isEqualTo(400);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.UNKNOWN_TOPIC)).isEqualTo(404);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.TOO_MANY_WAITING)).isEqualTo(429);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.NEVER_OFFERED)).isEqualTo(409);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.NOT_CONSUMED_HERE)).isEqualTo(409);
        assertThat(PixyConsumeHttp.status(ConsumeRefused.Code.KAFKA_UNAVAILABLE)).isEqualTo(503);
    }
}
