package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Event;
import io.ferry.broker.Header;
import io.ferry.kafka.DeliveryFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordReaderTest {
    private static ApiException refusal(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void topic_followsKafkasRule() {
        assertThat(RecordReader.topic("a.b_c-D9")).isEqualTo("a.b_c-D9");
        assertThat(RecordReader.topic("t".repeat(249))).hasSize(249);
        for (String bad : new String[] {"", ".", "..", "a b", "a/b", "t".repeat(250), "ü"}) {
            ApiException e = refusal(() -> RecordReader.topic(bad));
            assertThat(e.status).isEqualTo(400);
            assertThat(e.code).isEqualTo("invalid_topic");
        }
    }

    @Test
    void partitionAndTimestamp_parameters() {
        assertThat(RecordReader.partition(null)).isEqualTo(Event.NO_PARTITION);
        assertThat(RecordReader.partition("3")).isEqualTo(3);
        assertThat(refusal(() -> RecordReader.partition("-1")).code).isEqualTo("invalid_partition");
        assertThat(refusal(() -> RecordReader.partition("1.5")).getMessage())
                .contains("'1.5'", "integer >= 0");
        assertThat(RecordReader.timestamp("12")).isEqualTo(12);
        assertThat(refusal(() -> RecordReader.timestamp("yesterday")).code)
                .isEqualTo("invalid_timestamp");
    }

    @Test
    void message_keyHeadersAndValue() {
        MultiMap params = MultiMap.caseInsensitiveMultiMap().add("key", "k").add("partition", "1");
        MultiMap headers =
                MultiMap.caseInsensitiveMultiMap()
                        .add("X-Kafka-Trace", "t1")
                        .add("x-kafka-other", "o")
                        .add("Content-Type", "text/plain");
        Event e = RecordReader.message("t", Buffer.buffer("v"), params::get, headers);
        assertThat(new String(e.key(), UTF_8)).isEqualTo("k");
        assertThat(new String(e.value(), UTF_8)).isEqualTo("v");
        assertThat(e.partition()).isEqualTo(1);
        assertThat(e.headers())
                .containsExactly(
                        new Header("Trace", "t1".getBytes(UTF_8)),
                        new Header("other", "o".getBytes(UTF_8)));
    }

    @Test
    void anEmptyHeaderName_isRefused_notDropped() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("X-Kafka-", "v");
        ApiException e =
                refusal(() -> RecordReader.message("t", Buffer.buffer("v"), n -> null, headers));
        assertThat(e.code).isEqualTo("invalid_headers");
        assertThat(e.getMessage()).contains("'X-Kafka-'");
    }

    @Test
    void headerValues_areTheBytesSent_asNettyHandsThemOverInIso88591() {
        byte[] sent = {(byte) 0xc3, (byte) 0xa9, (byte) 0xff};
        MultiMap headers =
                MultiMap.caseInsensitiveMultiMap()
                        .add(
                                "X-Kafka-v",
                                new String(sent, java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(RecordReader.headers(headers).get(0).value()).isEqualTo(sent);
    }

    @Test
    void partitionAndTimestamp_takeDigitsOnly() {
        for (String bad : new String[] {"+1", " 1", "1 ", "0x1", "99999999999"}) {
            assertThat(refusal(() -> RecordReader.partition(bad)).code)
                    .as(bad)
                    .isEqualTo("invalid_partition");
        }
        assertThat(refusal(() -> RecordReader.timestamp("+5")).code).isEqualTo("invalid_timestamp");
        assertThat(RecordReader.partition("007")).isEqualTo(7);
    }

    @Test
    void queryCheck_refusesUnknownAndRepeatedNames_perRoute() {
        java.util.Set<String> known = java.util.Set.of("ack", "key");
        QueryCheck.check(null, known);
        QueryCheck.check("ack=none&key=a%26b&", known);
        ApiException unknown = refusal(() -> QueryCheck.check("acks=kafka&x&key=1", known));
        assertThat(unknown.code).isEqualTo("unknown_parameter");
        assertThat(unknown.getMessage())
                .isEqualTo("unknown query parameters 'acks', 'x'; known: ack, key");
        assertThat(refusal(() -> QueryCheck.check("ack=none&a%63k=kafka", known)).code)
                .as("a %-encoded name is the same name")
                .isEqualTo("repeated_parameter");
        assertThat(refusal(() -> QueryCheck.check("q=1", java.util.Set.of())).getMessage())
                .contains("takes none");
    }

    @Test
    void strictJson_describesErrorsInWords() {
        assertThat(StrictJson.describe("Duplicate field 'records'\n at [Source: x]"))
                .isEqualTo("the key 'records' appears twice in one object");
        assertThat(
                        StrictJson.describe(
                                "Unexpected character ('/' (code 47)): maybe a (non-standard)"
                                        + " comment? (not recognized as one since Feature"
                                        + " 'ALLOW_COMMENTS' not enabled for parser)"))
                .isEqualTo("comments are not allowed");
        assertThat(
                        StrictJson.describe(
                                "Document nesting depth (1001) exceeds the maximum allowed"
                                        + " (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"))
                .doesNotContain("StreamReadConstraints");
        assertThat(
                        StrictJson.describe(
                                "Unexpected character ('}' (code 125)): was expecting"
                                        + " double-quote to start field name"))
                .isEqualTo(
                        "Unexpected character ('}'): was expecting double-quote to start field"
                                + " name");
    }

    @Test
    void batch_encodings_perRequestAndPerRecord() {
        List<Event> events =
                RecordReader.batch(
                        "t",
                        Buffer.buffer(
                                """
                {"valueEncoding":"string","records":[
                  {"value":"s"},
                  {"value":{"a":[1,2]},"valueEncoding":"json"},
                  {"value":"AQI=","valueEncoding":"base64","key":"AA==","keyEncoding":"base64"},
                  {"value":null,"key":"k","headers":{"h":"v","n":null},"partition":0,"timestamp":5}
                ]}"""));
        assertThat(new String(events.get(0).value(), UTF_8)).isEqualTo("s");
        assertThat(new String(events.get(1).value(), UTF_8)).isEqualTo("{\"a\":[1,2]}");
        assertThat(events.get(2).value()).isEqualTo(new byte[] {1, 2});
        assertThat(events.get(2).key()).isEqualTo(new byte[] {0});
        Event last = events.get(3);
        assertThat(last.value()).isNull();
        assertThat(last.headers())
                .containsExactly(new Header("h", "v".getBytes(UTF_8)), new Header("n", null));
        assertThat(last.partition()).isZero();
        assertThat(last.timestampMs()).isEqualTo(5);
    }

    @Test
    void batch_refusals_nameTheRecordAndField() {
        assertThat(
                        refusal(
                                        () ->
                                                RecordReader.batch(
                                                        "t",
                                                        Buffer.buffer(
                                                                "{\"records\":[{\"value\":1},5]}")))
                                .getMessage())
                .isEqualTo("records[1] is not a JSON object");
        assertThat(
                        refusal(
                                        () ->
                                                RecordReader.batch(
                                                        "t",
                                                        Buffer.buffer(
                                                                "{\"records\":[{\"value\":1,\"headers\":{\"h\":1}}]}")))
                                .code)
                .isEqualTo("invalid_headers");
        assertThat(
                        refusal(
                                        () ->
                                                RecordReader.batch(
                                                        "t",
                                                        Buffer.buffer(
                                                                "{\"valueEncoding\":\"string\",\"records\":[{\"value\":1}]}")))
                                .getMessage())
                .contains("records[0].value must be a string");
        assertThat(refusal(() -> RecordReader.batch("t", Buffer.buffer(""))).code)
                .isEqualTo("invalid_body");
        assertThat(
                        refusal(
                                        () ->
                                                RecordReader.batch(
                                                        "t",
                                                        Buffer.buffer(
                                                                "{\"records\":[{\"value\":1,\"partition\":1.5}]}")))
                                .code)
                .isEqualTo("invalid_partition");
    }

    @Test
    void kafkaFailures_mapToHttpAnswers_byCode_forEveryCode() {
        java.util.Map<DeliveryFailure.Code, Integer> expected =
                new java.util.EnumMap<>(DeliveryFailure.Code.class);
        expected.put(DeliveryFailure.Code.RECORD_TOO_LARGE, 413);
        expected.put(DeliveryFailure.Code.UNKNOWN_TOPIC, 404);
        expected.put(DeliveryFailure.Code.UNKNOWN_PARTITION, 400);
        expected.put(DeliveryFailure.Code.INVALID_TOPIC, 400);
        expected.put(DeliveryFailure.Code.INVALID_RECORD, 400);
        expected.put(DeliveryFailure.Code.AUTHORIZATION, 403);
        expected.put(DeliveryFailure.Code.AUTHENTICATION, 503);
        expected.put(DeliveryFailure.Code.UNSUPPORTED_VERSION, 502);
        expected.put(DeliveryFailure.Code.DELIVERY_TIMEOUT, 504);
        expected.put(DeliveryFailure.Code.NOT_DELIVERED, 503);
        expected.put(DeliveryFailure.Code.KAFKA_ERROR, 502);
        expected.put(DeliveryFailure.Code.INTERNAL, 500);
        assertThat(expected)
                .as("every code has an answer")
                .hasSize(DeliveryFailure.Code.values().length);
        expected.forEach(
                (code, status) -> {
                    ApiException e = Produce.failure(DeliveryFailure.of(code, "because"));
                    assertThat(e.status).as(code.name()).isEqualTo(status);
                    assertThat(e.getMessage()).isEqualTo("because");
                });
        assertThatThrownBy(() -> RecordReader.key("%%", "base64")).isInstanceOf(ApiException.class);
    }
}
