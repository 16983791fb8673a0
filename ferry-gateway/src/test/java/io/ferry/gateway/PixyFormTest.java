package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Header;
import io.vertx.core.MultiMap;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kafka-pixy's parameters and headers, read as kafka-pixy reads them, byte-exact. */
class PixyFormTest {
    @Test
    void values_areDecodedToTheirBytes_plusIsASpace_andNeedNotBeUtf8() {
        PixyForm f = PixyForm.parse("key=a%00%FF+b&msg=caf%C3%A9&other=1");
        assertThat(f.bytes("key", "q")).containsExactly('a', 0, 0xff, ' ', 'b');
        assertThat(new String(f.bytes("msg", "q"), UTF_8)).isEqualTo("café");
    }

    @Test
    void aBodyOfRawBytes_keepsThem() {
        byte[] body = "msg=\u00e9x".getBytes(ISO_8859_1); // one raw 0xe9 byte, unescaped
        assertThat(PixyForm.parse(body).bytes("msg", "f")).containsExactly(0xe9, 'x');
    }

    @Test
    void presence_countsWithOrWithoutAValue_absentIsNull_emptyIsEmpty() {
        PixyForm f = PixyForm.parse("sync&key=&withPartitions=false");
        assertThat(f.has("sync")).isTrue();
        assertThat(f.has("withPartitions")).as("any value, as kafka-pixy").isTrue();
        assertThat(f.bytes("key", "q")).isEmpty();
        assertThat(f.has("msg")).isFalse();
        assertThat(f.bytes("msg", "q")).isNull();
        assertThat(PixyForm.parse((String) null).has("sync")).isFalse();
        assertThat(PixyForm.parse("").has("sync")).isFalse();
    }

    @Test
    void theFirstValueWins_andEscapedNamesMatch() {
        PixyForm f = PixyForm.parse("k%65y=1&key=2");
        assertThat(f.bytes("key", "q")).containsExactly('1');
    }

    @Test
    void count_countsEveryOccurrence_escapedNamesToo_andTextIsUtf8() {
        PixyForm f = PixyForm.parse("group=a&gr%6Fup=b&groups=c&noAck");
        assertThat(f.count("group")).isEqualTo(2);
        assertThat(f.count("noAck")).isEqualTo(1);
        assertThat(f.count("other")).isZero();
        assertThat(PixyForm.parse("group=caf%C3%A9").text("group", "q")).isEqualTo("café");
        assertThat(f.text("missing", "q")).isNull();
    }

    @Test
    void aMalformedEscape_inAParameterRead_isA400NamingIt_othersAreIgnored() {
        PixyForm f = PixyForm.parse("key=%zz&junk=%");
        assertThatThrownBy(() -> f.bytes("key", "the query parameter"))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("the query parameter 'key' has a malformed %-escape")
                .extracting(e -> ((ApiException) e).status)
                .isEqualTo(400);
        assertThat(f.has("junk")).isTrue();
    }

    @Test
    void xKafkaHeaders_areBase64Decoded_keepTheirNamesCase_andOrder() {
        MultiMap h =
                MultiMap.caseInsensitiveMultiMap()
                        .add("Content-Type", "text/plain")
                        .add("X-Kafka-APP_REQUEST_UUID", "AAH/")
                        .add("x-kafka-trace", "dDE=")
                        .add("X-KAFKA-trace", "")
                        .add("X-Kafkaish", "bm8=");
        List<Header> headers = PixyProduce.headers(h);
        assertThat(headers)
                .containsExactly(
                        new Header("APP_REQUEST_UUID", new byte[] {0, 1, (byte) 0xff}),
                        new Header("trace", "t1".getBytes(UTF_8)),
                        new Header("trace", new byte[0]));
    }

    @Test
    void aValueThatIsNotBase64_isA400NamingTheHeader() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("X-Kafka-Trace", "not base64!");
        assertThatThrownBy(() -> PixyProduce.headers(h))
                .isInstanceOf(ApiException.class)
                .hasMessageStartingWith("invalid base64 encoding for header: X-Kafka-Trace")
                .extracting(e -> ((ApiException) e).status)
                .isEqualTo(400);
    }

    @Test
    void mediaType_ignoresParametersAndCase() {
        assertThat(PixyProduce.mediaType("Application/X-WWW-Form-Urlencoded; charset=UTF-8"))
                .isEqualTo(PixyProduce.FORM);
        assertThat(PixyProduce.mediaType(null)).isEmpty();
    }

    @Test
    void statuses_areKafkaPixysWhereItHasThem() {
        assertThat(PixyRestApi.status(ProduceRefusal.Code.UNKNOWN_CLUSTER)).isEqualTo(400);
        assertThat(PixyRestApi.status(ProduceRefusal.Code.UNKNOWN_TOPIC)).isEqualTo(404);
        assertThat(PixyRestApi.status(ProduceRefusal.Code.INVALID_TOPIC)).isEqualTo(400);
        assertThat(PixyRestApi.status(ProduceRefusal.Code.KAFKA_UNAVAILABLE)).isEqualTo(503);
        assertThat(PixyRestApi.status(ProduceRefusal.Code.BROKER_FULL)).isEqualTo(503);
        assertThat(PixyRestApi.status(ProduceRefusal.Code.KAFKA_ERROR)).isEqualTo(500);
    }
}
