package dev.converge.agent.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What an agent publishes at {@code <prefix>/status/<hostname>}.
 *
 * <p>Invariants: {@code generation >= 0}; every count is {@code >= 0}; {@code counts} is sorted
 * by result (a {@link SortedMap}) and unmodifiable. Stored as one JSON object (see {@link #toJson()}); unknown fields
 * are ignored when reading, so newer agents may add some.
 *
 * @param converged  every resource of the current graph is in its desired state
 * @param since      when {@code converged} last changed value
 * @param generation the agent's graph generation: 1 for its first graph, one more per swap
 * @param graphHash  {@link StoredGraph#hashOf} the YAML the agent runs; compared with the
 *                   deployed graph's to tell whether the host runs the latest one
 * @param counts     resources by result, keyed by the engine's lowercase status names
 *                   ({@code ok}, {@code changed}, {@code failed}, {@code skipped}, {@code pending},
 *                   {@code running}); results with no resource may be left out
 */
public record HostStatus(boolean converged, Instant since, long generation, String graphHash,
                         Map<String, Integer> counts) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public HostStatus {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(graphHash, "graphHash");
        if (generation < 0) {
            throw new IllegalArgumentException("generation must be >= 0: " + generation);
        }
        counts = Collections.unmodifiableSortedMap(new TreeMap<>(counts));
        counts.forEach((result, n) -> {
            if (n == null || n < 0) {
                throw new IllegalArgumentException("count of " + result + " must be >= 0: " + n);
            }
        });
    }

    /** Resources that failed: the {@code failed} count, 0 when absent. */
    public int failures() {
        return counts.getOrDefault("failed", 0);
    }

    /** This status as the JSON object stored in etcd. */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("converged", converged);
        node.put("since", since.toString());
        node.put("generation", generation);
        node.put("graphHash", graphHash);
        ObjectNode c = node.putObject("counts");
        counts.forEach(c::put);
        return node.toString();
    }

    /**
     * Reads a status written by {@link #toJson()}.
     *
     * @throws IllegalArgumentException naming the first missing or malformed field
     */
    public static HostStatus fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        JsonNode converged = field(node, "converged", JsonNode::isBoolean);
        JsonNode since = field(node, "since", JsonNode::isTextual);
        JsonNode generation = field(node, "generation", JsonNode::canConvertToLong);
        JsonNode hash = field(node, "graphHash", JsonNode::isTextual);
        JsonNode countsNode = field(node, "counts", JsonNode::isObject);
        SortedMap<String, Integer> counts = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = countsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt()) {
                throw new IllegalArgumentException("counts." + e.getKey() + ": not an integer");
            }
            counts.put(e.getKey(), e.getValue().intValue());
        }
        try {
            return new HostStatus(converged.booleanValue(), Instant.parse(since.textValue()),
                    generation.longValue(), hash.textValue(), counts);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("since: not an ISO-8601 instant: " + since.textValue());
        }
    }

    private static JsonNode field(JsonNode node, String name, java.util.function.Predicate<JsonNode> ok) {
        JsonNode value = node.get(name);
        if (value == null || !ok.test(value)) {
            throw new IllegalArgumentException(name + ": " + (value == null ? "missing" : "malformed"));
        }
        return value;
    }
}
