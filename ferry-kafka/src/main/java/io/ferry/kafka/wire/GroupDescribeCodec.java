package io.ferry.kafka.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerProtocolAssignment;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ConsumerGroupDescribeRequest;
import org.apache.kafka.common.requests.ConsumerGroupDescribeResponse;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;

/**
 * The group listing's requests (ListGroups, ConsumerGroupDescribe, DescribeGroups) to Kafka's
 * protocol and back; stateless, any thread.
 */
final class GroupDescribeCodec {
    /* Design notes
     * ListGroups carries no filter: StatesFilter needs v4 and TypesFilter v5, and the builder
     * refuses to build an older version with either set, so the caller filters what comes back
     * (GroupState is empty below v4, GroupType below v5).
     * ConsumerGroupDescribe names each member's current assignment by topic id and name; the name
     * is used (empty for a topic deleted meanwhile: it then matches no topic asked about).
     * DescribeGroups gives a classic member's assignment as the consumer protocol's bytes (a
     * version, then ConsumerProtocolAssignment) when the group's protocol type is "consumer";
     * another protocol type (connect ...) or bytes that do not decode give no partitions, never an
     * exception. A group the answer lacks gets an UNKNOWN_SERVER_ERROR entry, so every group asked
     * for has an answer; a parse never throws.
     */
    private GroupDescribeCodec() {}

    static ListGroupsRequest.Builder listGroups() {
        return new ListGroupsRequest.Builder(new ListGroupsRequestData());
    }

    static ListedGroups parseListGroups(AbstractResponse r) {
        ListGroupsResponseData data = ((ListGroupsResponse) r).data();
        List<ListedGroups.Group> groups = new ArrayList<>();
        for (ListGroupsResponseData.ListedGroup g : data.groups()) {
            groups.add(
                    new ListedGroups.Group(
                            g.groupId(), g.protocolType(), g.groupState(), g.groupType()));
        }
        return new ListedGroups(WireError.of(data.errorCode(), null), groups);
    }

    static ConsumerGroupDescribeRequest.Builder consumerGroupDescribe(
            WireRequest.ConsumerGroupDescribe d) {
        return new ConsumerGroupDescribeRequest.Builder(
                new ConsumerGroupDescribeRequestData()
                        .setGroupIds(new ArrayList<>(d.groups()))
                        .setIncludeAuthorizedOperations(false));
    }

    static Map<String, DescribedGroup> parseConsumerGroupDescribe(
            AbstractResponse r, WireRequest.ConsumerGroupDescribe d) {
        Map<String, DescribedGroup> out = new HashMap<>();
        for (ConsumerGroupDescribeResponseData.DescribedGroup g :
                ((ConsumerGroupDescribeResponse) r).data().groups()) {
            WireError error = WireError.of(g.errorCode(), g.errorMessage());
            List<DescribedGroup.Member> members = new ArrayList<>();
            if (error.isNone()) {
                for (ConsumerGroupDescribeResponseData.Member m : g.members()) {
                    List<TopicPartition> assigned = new ArrayList<>();
                    if (m.assignment() != null) {
                        for (ConsumerGroupDescribeResponseData.TopicPartitions t :
                                m.assignment().topicPartitions()) {
                            for (int p : t.partitions()) {
                                assigned.add(new TopicPartition(t.topicName(), p));
                            }
                        }
                    }
                    members.add(
                            new DescribedGroup.Member(
                                    m.memberId(), m.clientId(), m.clientHost(), assigned));
                }
            }
            out.put(
                    g.groupId(),
                    new DescribedGroup(g.groupId(), error, g.groupState(), "consumer", members));
        }
        missing(out, d.groups(), "ConsumerGroupDescribe");
        return out;
    }

    static DescribeGroupsRequest.Builder describeGroups(WireRequest.DescribeGroups d) {
        return new DescribeGroupsRequest.Builder(
                new DescribeGroupsRequestData()
                        .setGroups(new ArrayList<>(d.groups()))
                        .setIncludeAuthorizedOperations(false));
    }

    static Map<String, DescribedGroup> parseDescribeGroups(
            AbstractResponse r, WireRequest.DescribeGroups d) {
        Map<String, DescribedGroup> out = new HashMap<>();
        for (DescribeGroupsResponseData.DescribedGroup g :
                ((DescribeGroupsResponse) r).data().groups()) {
            WireError error = WireError.of(g.errorCode(), g.errorMessage());
            boolean consumer = ConsumerProtocol.PROTOCOL_TYPE.equals(g.protocolType());
            List<DescribedGroup.Member> members = new ArrayList<>();
            if (error.isNone()) {
                for (DescribeGroupsResponseData.DescribedGroupMember m : g.members()) {
                    members.add(
                            new DescribedGroup.Member(
                                    m.memberId(),
                                    m.clientId(),
                                    m.clientHost(),
                                    consumer ? assignment(m.memberAssignment()) : List.of()));
                }
            }
            out.put(
                    g.groupId(),
                    new DescribedGroup(
                            g.groupId(), error, g.groupState(), g.protocolType(), members));
        }
        missing(out, d.groups(), "DescribeGroups");
        return out;
    }

    /** A classic member's assignment bytes decoded; empty when none or undecodable. */
    static List<TopicPartition> assignment(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return List.of();
        }
        try {
            ConsumerProtocolAssignment a =
                    ConsumerProtocol.deserializeConsumerProtocolAssignment(ByteBuffer.wrap(bytes));
            List<TopicPartition> out = new ArrayList<>();
            for (ConsumerProtocolAssignment.TopicPartition t : a.assignedPartitions()) {
                for (int p : t.partitions()) {
                    out.add(new TopicPartition(t.topic(), p));
                }
            }
            return out;
        } catch (RuntimeException e) {
            return List.of(); // not the consumer protocol's layout: nothing is known of it
        }
    }

    private static void missing(Map<String, DescribedGroup> out, List<String> asked, String api) {
        for (String group : asked) {
            out.computeIfAbsent(
                    group,
                    g ->
                            new DescribedGroup(
                                    g,
                                    WireError.of(
                                            Errors.UNKNOWN_SERVER_ERROR.code(),
                                            "the " + api + " answer has no group " + g),
                                    "",
                                    "",
                                    List.of()));
        }
    }
}
