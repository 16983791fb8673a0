package io.ferry.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExchangeTest {
    @Test
    void param_findsTheFirstValueOfExactlyThatName() {
        assertThat(Exchange.param("ack=none&key=k1", "ack")).isEqualTo("none");
        assertThat(Exchange.param("ack=none&key=k1", "key")).isEqualTo("k1");
        assertThat(Exchange.param("keyEncoding=base64&key=a2V5", "key")).isEqualTo("a2V5");
        assertThat(Exchange.param("key=1&key=2", "key")).isEqualTo("1");
        assertThat(Exchange.param("acks=all", "ack")).isNull();
        assertThat(Exchange.param("xack=none", "ack")).isNull();
        assertThat(Exchange.param("", "ack")).isNull();
        assertThat(Exchange.param(null, "ack")).isNull();
        assertThat(Exchange.param("&&ack=kafka&", "ack")).isEqualTo("kafka");
    }

    @Test
    void param_withoutValue_isEmpty_andValuesArePercentDecoded() {
        assertThat(Exchange.param("key&ack=none", "key")).isEmpty();
        assertThat(Exchange.param("key=", "key")).isEmpty();
        assertThat(Exchange.param("key=a%20b+c%2Bd", "key")).isEqualTo("a b c+d");
        assertThat(Exchange.param("key=%C3%A9t%C3%A9", "key")).isEqualTo("été");
        assertThat(Exchange.param("key=a;b", "key")).isEqualTo("a;b");
    }

    @Test
    void param_malformedEscape_isRefusedNamingTheValue() {
        assertThatThrownBy(() -> Exchange.param("key=%zz", "key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'%zz'");
    }

    @Test
    void pathSegment_isPercentDecoded_plusStaysAPlus_aBadEscapeIsKept() {
        assertThat(Exchange.pathSegment("orders")).isEqualTo("orders");
        assertThat(Exchange.pathSegment("ord%65rs")).isEqualTo("orders");
        assertThat(Exchange.pathSegment("a+b%20c")).isEqualTo("a+b c");
        assertThat(Exchange.pathSegment("bad%zz")).isEqualTo("bad%zz");
    }
}
