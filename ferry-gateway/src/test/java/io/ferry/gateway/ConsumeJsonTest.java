package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.broker.Header;
import io.ferry.kafka.consume.ConsumedMessage;
import io.ferry.kafka.consume.OffsetToSet;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consume endpoints' JSON: each format byte-faithful, and the strict bodies. */
class ConsumeJsonTest {
    private static final byte[] NOT_UTF8 = {(byte) 0xff, 0, 1};
    private static final byte[] OVERLONG = {(byte) 0xc0, (byte) 0x80}; // NUL, overlong

    private static ConsumedMessage message(byte[] key, byte[] value, Header... headers) {
        return new ConsumedMessage("t", 2, 41, 1_700_000_000_000L, key, value, List.of(headers), 3);
    }

    private static JsonObject one(ConsumedMessage m, ConsumeJson.Format f) {
        String text = ConsumeJson.messages(List.of(m), f).toString(UTF_8);
        return new JsonArray(text).getJsonObject(0);
    }

    private static String raw(ConsumedMessage m, ConsumeJson.Format f) {
        return ConsumeJson.messages(List.of(m), f).toString(UTF_8);
    }

    @Test
    void everyField_isWritten_withTheDeliveryCountAndHeadersInOrder() {
        JsonObject o =
                one(
                        message(
                                "k".getBytes(UTF_8),
                                "v".getBytes(UTF_8),
                                new Header("h", "1".getBytes(UTF_8)),
                                new Header("h", null)),
                        ConsumeJson.Format.STRING);
        assertThat(o.getString("topic")).isEqualTo("t");
        assertThat(o.getInteger("partition")).isEqualTo(2);
        assertThat(o.getLong("offset")).isEqualTo(41);
        assertThat(o.getLong("timestamp")).isEqualTo(1_700_000_000_000L);
        assertThat(o.getInteger("deliveryCount")).isEqualTo(3);
        assertThat(o.getString("key")).isEqualTo("k");
        assertThat(o.getString("value")).isEqualTo("v");
        assertThat(o.containsKey("valueEncoding")).isFalse();
        JsonArray h = o.getJsonArray("headers");
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.getJsonObject(0).getString("key")).isEqualTo("h");
        assertThat(h.getJsonObject(0).getString("value")).isEqualTo("1");
        assertThat(h.getJsonObject(1).containsKey("value")).isTrue();
        assertThat(h.getJsonObject(1).getValue("value")).isNull();
    }

    @Test
    void base64_isTheDefault_andByteExactForAnything() {
        assertThat(ConsumeJson.Format.parse(null)).isEqualTo(ConsumeJson.Format.BASE64);
        JsonObject o =
                one(
                        message(NOT_UTF8, "{\"a\":1}".getBytes(UTF_8), new Header("h", NOT_UTF8)),
                        ConsumeJson.Format.BASE64);
        assertThat(Base64.getDecoder().decode(o.getString("key"))).isEqualTo(NOT_UTF8);
        assertThat(new String(Base64.getDecoder().decode(o.getString("value")), UTF_8))
                .isEqualTo("{\"a\":1}");
        assertThat(
                        Base64.getDecoder()
                                .decode(
                                        o.getJsonArray("headers")
                                                .getJsonObject(0)
                                                .getString("value")))
                .isEqualTo(NOT_UTF8);
        assertThat(o.containsKey("keyEncoding")).isFalse();
        assertThat(o.containsKey("valueEncoding")).isFalse();
    }

    @Test
    void base64_ofEveryLengthUpToAFewBlocks_isTheJdksEncoding_paddedWithoutLineFeeds() {
        byte[] all = new byte[300];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) (i * 37);
        }
        for (int n = 0; n <= all.length; n += n < 12 ? 1 : 41) {
            byte[] v = Arrays.copyOf(all, n);
            String body =
                    ConsumeJson.messages(List.of(message(null, v)), ConsumeJson.Format.BASE64)
                            .toString(UTF_8);
            String expected = Base64.getEncoder().encodeToString(v);
            assertThat(body).as("%d bytes", n).contains("\"value\":\"" + expected + "\"");
            assertThat(
                            Base64.getDecoder()
                                    .decode(
                                            new JsonArray(body)
                                                    .getJsonObject(0)
                                                    .getString("value")))
                    .isEqualTo(v);
        }
    }

    @Test
    void json_writesAJsonValueVerbatim_numbersKeepTheirDigits() {
        String value = "{\"amount\": 0.10000000000000000555, \"big\": 123456789012345678901234}";
        String text =
                raw(message("k".getBytes(UTF_8), value.getBytes(UTF_8)), ConsumeJson.Format.JSON);
        assertThat(text).contains("\"value\":" + value);
        JsonObject o = new JsonArray(text).getJsonObject(0);
        assertThat(o.getJsonObject("value").fieldNames()).containsExactly("amount", "big");
        assertThat(o.getString("key")).as("a key is never JSON").isEqualTo("k");
        assertThat(o.containsKey("valueEncoding")).isFalse();
    }

    @Test
    void json_textThatIsNotJson_isAStringSaidSo_andOtherBytesBase64SaidSo() {
        JsonObject text = one(message(null, "hello".getBytes(UTF_8)), ConsumeJson.Format.JSON);
        assertThat(text.getString("value")).isEqualTo("hello");
        assertThat(text.getString("valueEncoding")).isEqualTo("string");
        assertThat(text.getValue("key")).isNull();
        JsonObject bytes = one(message(NOT_UTF8, NOT_UTF8), ConsumeJson.Format.JSON);
        assertThat(Base64.getDecoder().decode(bytes.getString("value"))).isEqualTo(NOT_UTF8);
        assertThat(bytes.getString("valueEncoding")).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(bytes.getString("key"))).isEqualTo(NOT_UTF8);
        assertThat(bytes.getString("keyEncoding")).isEqualTo("base64");
    }

    @Test
    void json_twoValues_anEmptyValue_orATrailingComma_areNotOneJsonValue() {
        for (String v : new String[] {"1 2", "", "  ", "[1,]", "{\"a\":1}x", "NaN", "'a'"}) {
            assertThat(ConsumeJson.oneJsonValue(v)).as(v).isFalse();
        }
        for (String v : new String[] {"1", " \"s\" ", "null", "[1,{\"a\":[]}]", "true\n"}) {
            assertThat(ConsumeJson.oneJsonValue(v)).as(v).isTrue();
        }
    }

    @Test
    void string_withBytesThatAreNotStrictUtf8_isBase64SaidSo_neverAReplacementCharacter() {
        assertThat(ConsumeJson.utf8(OVERLONG)).isNull();
        assertThat(ConsumeJson.utf8("café".getBytes(UTF_8))).isEqualTo("café");
        JsonObject o = one(message(null, OVERLONG), ConsumeJson.Format.STRING);
        assertThat(Base64.getDecoder().decode(o.getString("value"))).isEqualTo(OVERLONG);
        assertThat(o.getString("valueEncoding")).isEqualTo("base64");
        JsonObject tomb = one(message(null, null), ConsumeJson.Format.STRING);
        assertThat(tomb.containsKey("value")).isTrue();
        assertThat(tomb.getValue("value")).isNull();
        assertThat(tomb.containsKey("valueEncoding")).isFalse();
    }

    @Test
    void format_unknown_isRefusedNamingTheChoices() {
        assertThatThrownBy(() -> ConsumeJson.Format.parse("xml"))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("format is 'xml'; expected json, string or base64");
        assertThat(ConsumeJson.Format.parse("JSON")).isEqualTo(ConsumeJson.Format.JSON);
    }

    @Test
    void acks_offsetsAndRanges_inOrder() {
        List<ConsumeJson.Item> items =
                ConsumeJson.acks(
                        Buffer.buffer(
                                "[{\"partition\":0,\"offset\":5},{\"partition\":1,\"from\":10,\"to\":20}]"));
        assertThat(items)
                .containsExactly(
                        new ConsumeJson.Item(0, 5, 0, 0),
                        new ConsumeJson.Item(1, ConsumeJson.Item.RANGE, 10, 20));
        assertThat(items.get(1).range()).isTrue();
        assertThat(items.get(0).range()).isFalse();
    }

    @Test
    void acks_badBodies_areRefusedWhole_sayingWhat() {
        String[][] cases = {
            {"[{\"partition\":0,\"offset\":1,\"offset\":2}]", "the key 'offset' appears twice"},
            {"[{\"partition\":0,\"offest\":1}]", "[0] has an unknown field 'offest'"},
            {"[{\"partition\":0,\"offset\":1,\"from\":1,\"to\":2}]", "both an offset and a range"},
            {"[{\"partition\":0,\"offset\":-1}]", "[0].offset is -1; expected an integer 0.."},
            {"[{\"partition\":0,\"offset\":1.5}]", "[0].offset is 1.5"},
            {"[{\"offset\":1}]", "[0] has no \"partition\""},
            {"[{\"partition\":0,\"from\":1}]", "[0] has no \"to\""},
            {"[]", "a non-empty JSON array"},
            {"{\"partition\":0,\"offset\":1}", "a non-empty JSON array"},
            {"[1]", "[0] is not a JSON object"},
            {"", "a non-empty JSON array"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> ConsumeJson.acks(Buffer.buffer(c[0])))
                    .as(c[0])
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining(c[1])
                    .extracting(e -> ((ApiException) e).status)
                    .isEqualTo(400);
        }
    }

    @Test
    void quickItems_readsPlainLists_andLeavesEverythingElseToTheCheckedPath() {
        String good =
                "[{\"partition\":0,\"offset\":5}, {\"offset\":6,\"partition\":0},"
                        + " {\"partition\":2147483647,\"from\":10,\"to\":9223372036854775807}]";
        assertThat(ConsumeJson.quickItems(Buffer.buffer(good), true))
                .containsExactly(
                        new ConsumeJson.Item(0, 5, 0, 0),
                        new ConsumeJson.Item(0, 6, 0, 0),
                        new ConsumeJson.Item(
                                Integer.MAX_VALUE, ConsumeJson.Item.RANGE, 10, Long.MAX_VALUE));
        assertThat(ConsumeJson.quickItems(Buffer.buffer("[{\"partition\":1,\"offset\":2}]"), false))
                .containsExactly(new ConsumeJson.Item(1, 2, 0, 0));
        String[] declined = {
            "[{\"partition\":0,\"offset\":1,\"offset\":2}]", // a repeated key
            "[{\"partition\":0,\"offest\":1}]", // an unknown key
            "[{\"partition\":0,\"offset\":1,\"from\":1,\"to\":2}]", // both
            "[{\"partition\":0,\"from\":1}]", // half a range
            "[{\"offset\":1}]", // no partition
            "[{\"partition\":0,\"offset\":-1}]",
            "[{\"partition\":0,\"offset\":1.5}]",
            "[{\"partition\":0,\"offset\":1e3}]",
            "[{\"partition\":0,\"offset\":\"1\"}]",
            "[{\"partition\":0,\"offset\":null}]",
            "[{\"partition\":0,\"offset\":99999999999999999999}]",
            "[{\"partition\":2147483648,\"offset\":1}]",
            "[{\"partition\":0,\"offset\":01}]", // a leading zero
            "[{\"partition\":0,\"offset\":1}] x", // something after
            "[{\"partition\":0,\"offset\":1}] [1]",
            "[{\"partition\":0,\"offset\":1}", // cut short
            "[{\"partition\":0,\"offset\":1},]", // a trailing comma
            "[/* c */{\"partition\":0,\"offset\":1}]", // a comment
            "[{\"partition\":0,\"offset\":1},1]",
            "[{\"partition\":0,\"offset\":1,\"x\":{}}]",
            "[]",
            "{\"partition\":0,\"offset\":1}",
            "",
        };
        for (String body : declined) {
            assertThat(ConsumeJson.quickItems(Buffer.buffer(body), true)).as(body).isNull();
        }
        // a range is not a release
        assertThat(
                        ConsumeJson.quickItems(
                                Buffer.buffer("[{\"partition\":0,\"from\":1,\"to\":2}]"), false))
                .isNull();
    }

    @Test
    void releases_takeNoRanges() {
        assertThatThrownBy(
                        () ->
                                ConsumeJson.releases(
                                        Buffer.buffer("[{\"partition\":0,\"from\":1,\"to\":2}]")))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("unknown field 'from'");
    }

    @Test
    void offsetsToSet_withAndWithoutMetadata() {
        assertThat(
                        ConsumeJson.offsetsToSet(
                                Buffer.buffer(
                                        "[{\"partition\":0,\"offset\":4,\"metadata\":\"m\"},"
                                                + "{\"partition\":1,\"offset\":0}]")))
                .containsExactly(new OffsetToSet(0, 4, "m"), new OffsetToSet(1, 0, ""));
        assertThatThrownBy(
                        () ->
                                ConsumeJson.offsetsToSet(
                                        Buffer.buffer(
                                                "[{\"partition\":0,\"offset\":4,\"metadata\":7}]")))
                .hasMessageContaining("[0].metadata must be a string");
    }

    @Test
    void aBatchOfMessages_isOneArray_inOrder() {
        byte[][] values = {"1".getBytes(UTF_8), "2".getBytes(UTF_8)};
        List<ConsumedMessage> ms = Arrays.stream(values).map(v -> message(null, v)).toList();
        JsonArray a =
                new JsonArray(ConsumeJson.messages(ms, ConsumeJson.Format.JSON).toString(UTF_8));
        assertThat(a.size()).isEqualTo(2);
        assertThat(a.getJsonObject(0).getInteger("value")).isEqualTo(1);
        assertThat(a.getJsonObject(1).getInteger("value")).isEqualTo(2);
        assertThat(ConsumeJson.messages(List.of(), ConsumeJson.Format.JSON).toString(UTF_8))
                .isEqualTo("[]");
    }

    @Test
    void anAnswerLongerThanItsEstimate_growsAndKeepsEveryByte() {
        // most control characters are escaped in six bytes (two for \n and the like), against
        // the estimate's 4/3 of base64: four fields of 3,000 bytes, estimated at 16,000 in all
        byte[] controls = new byte[3000];
        for (int i = 0; i < controls.length; i++) {
            controls[i] = (byte) (i % 32);
        }
        List<ConsumedMessage> ms =
                List.of(
                        message(controls, controls, new Header("h", controls)),
                        message(null, controls));
        Buffer b = ConsumeJson.messages(ms, ConsumeJson.Format.STRING);
        assertThat(b.length()).isGreaterThan(4 * 4 * controls.length);
        JsonArray a = new JsonArray(b.toString(UTF_8));
        String text = new String(controls, UTF_8);
        assertThat(a.getJsonObject(0).getString("key")).isEqualTo(text);
        assertThat(a.getJsonObject(0).getString("value")).isEqualTo(text);
        assertThat(a.getJsonObject(0).getJsonArray("headers").getJsonObject(0).getString("value"))
                .isEqualTo(text);
        assertThat(a.getJsonObject(1).getString("value")).isEqualTo(text);
        assertThat(a.getJsonObject(1).getLong("offset")).isEqualTo(41);
    }
}
