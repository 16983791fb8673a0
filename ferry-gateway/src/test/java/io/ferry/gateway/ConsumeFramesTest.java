package io.ferry.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.ferry.broker.Header;
import io.ferry.gateway.grpc.v1.ConsumeResponse;
import io.ferry.gateway.grpc.v1.Message;
import io.ferry.kafka.consume.ConsumedMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConsumeFramesTest {
    /** What protobuf-java's own builders and serializer make of {@code ms}. */
    private static byte[] viaBuilders(List<ConsumedMessage> ms) {
        ConsumeResponse.Builder b = ConsumeResponse.newBuilder();
        for (ConsumedMessage m : ms) {
            Message.Builder mb =
                    Message.newBuilder()
                            .setPartition(m.partition())
                            .setOffset(m.offset())
                            .setTimestampMs(m.timestampMs())
                            .setDeliveryCount(m.deliveryCount());
            if (m.key() != null) {
                mb.setKey(ByteString.copyFrom(m.key()));
            }
            if (m.value() != null) {
                mb.setValue(ByteString.copyFrom(m.value()));
            }
            for (Header h : m.headers()) {
                io.ferry.gateway.grpc.v1.Header.Builder hb =
                        io.ferry.gateway.grpc.v1.Header.newBuilder().setKey(h.key());
                if (h.value() != null) {
                    hb.setValue(ByteString.copyFrom(h.value()));
                }
                mb.addHeaders(hb);
            }
            b.addMessages(mb);
        }
        return b.build().toByteArray();
    }

    private static ConsumedMessage msg(
            int p, long o, long ts, byte[] k, byte[] v, List<Header> hs, int count) {
        return new ConsumedMessage("t", p, o, ts, k, v, hs, count);
    }

    @Test
    void theEdgeCases_encodeAsProtobufsOwnSerializerDoes() {
        List<ConsumedMessage> ms =
                List.of(
                        msg(0, 0, 0, null, null, List.of(), 0), // every field at its default
                        msg(0, 0, 0, new byte[0], new byte[0], List.of(), 1), // empty != null
                        msg(
                                3,
                                Long.MAX_VALUE,
                                -1, // a negative timestamp: ten varint bytes
                                "k".getBytes(UTF_8),
                                new byte[300], // a two-byte length
                                List.of(
                                        new Header("h", "v".getBytes(UTF_8)),
                                        new Header("no-value", null),
                                        new Header("", new byte[0]),
                                        new Header("ünïcode", new byte[] {1})),
                                Integer.MAX_VALUE));
        byte[] mine = ConsumeFrames.encode(ms);
        assertThat(mine).isEqualTo(viaBuilders(ms));
        assertThat(ConsumeFrames.encode(List.of())).isEmpty();
    }

    @Test
    void randomFrames_encodeAsProtobufsOwnSerializerDoes_andParseBack() throws Exception {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            List<ConsumedMessage> ms = new ArrayList<>();
            int n = r.nextInt(50);
            for (int i = 0; i < n; i++) {
                List<Header> hs = new ArrayList<>();
                for (int h = r.nextInt(3); h > 0; h--) {
                    hs.add(new Header("h" + r.nextInt(100), r.nextBoolean() ? null : bytes(r)));
                }
                ms.add(
                        msg(
                                r.nextInt(64),
                                r.nextLong() & Long.MAX_VALUE >>> r.nextInt(63),
                                r.nextBoolean() ? System.currentTimeMillis() : r.nextLong(),
                                r.nextInt(4) == 0 ? null : bytes(r),
                                r.nextInt(8) == 0 ? null : bytes(r),
                                hs,
                                1 + r.nextInt(5)));
            }
            byte[] mine = ConsumeFrames.encode(ms);
            assertThat(mine).isEqualTo(viaBuilders(ms));
            ConsumeResponse back = ConsumeResponse.parseFrom(mine);
            assertThat(back.getMessagesCount()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(back.getMessages(i).getOffset()).isEqualTo(ms.get(i).offset());
                assertThat(back.getMessages(i).hasKey()).isEqualTo(ms.get(i).key() != null);
            }
        }
    }

    private static byte[] bytes(Random r) {
        byte[] b = new byte[r.nextInt(200)];
        r.nextBytes(b);
        return b;
    }
}
