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
                        .add("Content-Type", "text/plain")
                        .add("X-Kafka-", "empty name is not a header");
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
