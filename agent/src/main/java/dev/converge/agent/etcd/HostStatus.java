package dev.converge.agent.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What an agent publishes at {@code <prefix>/status/<hostname>}.
 *
 * <p>Invariants: {@code generation >= 0}; every count is {@code >= 0}; {@code counts} is sorted
 * by result (a {@link SortedMap}) and unmodifiable; {@code problems} is unmodifiable and holds at
 * most {@link #MAX_PROBLEMS} entries, the ones cut off being counted in
 * {@code problemsLeftOut >= 0}. Stored as one JSON object (see {@link #toJson()}); unknown
 * fields are ignored when reading, so newer agents may add some, and fields added since the
 * first version ({@code problems}, {@code problemsLeftOut}) may be absent. Immutable.
 *
 * @param converged       every resource of the current graph is in its desired state
 * @param since           when {@code converged} last changed value
 * @param generation      the agent's graph generation: 1 for its first graph, one more per swap
 * @param graphHash       {@link StoredGraph#hashOf} the YAML the agent runs; compared with the
 *                        deployed graph's to tell whether the host runs the latest one
 * @param counts          resources by result, keyed by the engine's lowercase status names
 *                        ({@code ok}, {@code changed}, {@code failed}, {@code skipped},
 *                        {@code pending}, {@code running}); results with no resource may be left out
 * @param problems        the failed and skipped resources with their error, failed ones first;
 *                        empty from an agent that predates them
 * @param problemsLeftOut failed or skipped resources beyond the first {@link #MAX_PROBLEMS}, not listed
 */
public record HostStatus(boolean converged, Instant since, long generation, String graphHash,
                         Map<String, Integer> counts, List<ResourceProblem> problems, int problemsLeftOut) {

    /** Failed or skipped resources listed at most; the others are only counted, so the etcd value stays small. */
    public static final int MAX_PROBLEMS = 100;

    /** Characters of a problem's message kept at most, an ellipsis included. */
    public static final int MAX_MESSAGE = 300;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A resource that is failed or skipped, and why.
     *
     * <p>Invariant: {@code message} has at most {@link #MAX_MESSAGE} characters; a longer one
     * is cut and ends with {@code …}.
     *
     * @param id      the resource, as {@code kind[name]}
     * @param status  {@code failed} or {@code skipped} (the engine's lowercase status name)
     * @param message for a failed resource the error of its last attempt, for a skipped one the
     *                reason (which ancestor failed); empty when the agent had none
     */
    public record ResourceProblem(String id, String status, String message) {

        public ResourceProblem {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(status, "status");
            message = cut(Objects.requireNonNull(message, "message"));
        }

        private static String cut(String message) {
            if (message.length() <= MAX_MESSAGE) {
                return message;
            }
            int end = MAX_MESSAGE - 1;
            if (Character.isHighSurrogate(message.charAt(end - 1))) {
                end--;
            }
            return message.substring(0, end) + "…";
        }
    }

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
        if (problemsLeftOut < 0) {
            throw new IllegalArgumentException("problemsLeftOut must be >= 0: " + problemsLeftOut);
        }
        if (problems.size() > MAX_PROBLEMS) {
            problemsLeftOut = Math.addExact(problemsLeftOut, problems.size() - MAX_PROBLEMS);
            problems = problems.subList(0, MAX_PROBLEMS);
        }
        problems = List.copyOf(problems);
    }

    /** A status that lists no failed or skipped resource. */
    public HostStatus(boolean converged, Instant since, long generation, String graphHash, Map<String, Integer> counts) {
        this(converged, since, generation, graphHash, counts, List.of(), 0);
    }

    /** Resources that failed: the {@code failed} count, 0 when absent. */
    public int failures() {
        return counts.getOrDefault("failed", 0);
    }

    /**
     * This status as the JSON object stored in etcd. {@code problems} and
     * {@code problemsLeftOut} are left out when there are none, which keeps a healthy host's
     * value as small as before they existed.
     */
    public String toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("converged", converged);
        node.put("since", since.toString());
        node.put("generation", generation);
        node.put("graphHash", graphHash);
        ObjectNode c = node.putObject("counts");
        counts.forEach(c::put);
        if (!problems.isEmpty()) {
            ArrayNode list = node.putArray("problems");
            problems.forEach(p -> list.addObject().put("id", p.id()).put("status", p.status()).put("message", p.message()));
        }
        if (problemsLeftOut > 0) {
            node.put("problemsLeftOut", problemsLeftOut);
        }
        return node.toString();
    }

    /**
     * Reads a status written by {@link #toJson()}, by this version or an older one.
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
        List<ResourceProblem> problems = problems(node.get("problems"));
        JsonNode leftOut = node.get("problemsLeftOut");
        if (leftOut != null && !(leftOut.canConvertToInt() && leftOut.intValue() >= 0)) {
            throw new IllegalArgumentException("problemsLeftOut: malformed");
        }
        try {
            return new HostStatus(converged.booleanValue(), Instant.parse(since.textValue()),
                    generation.longValue(), hash.textValue(), counts, problems, leftOut == null ? 0 : leftOut.intValue());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("since: not an ISO-8601 instant: " + since.textValue());
        }
    }

    /** The {@code problems} array, empty when absent (a status from an older agent). */
    private static List<ResourceProblem> problems(JsonNode array) {
        if (array == null) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new IllegalArgumentException("problems: malformed");
        }
        var problems = new ArrayList<ResourceProblem>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode p = array.get(i);
            if (!p.isObject()) {
                throw new IllegalArgumentException("problems[" + i + "]: not an object");
            }
            problems.add(new ResourceProblem(
                    field(p, "id", JsonNode::isTextual, "problems[" + i + "].").textValue(),
                    field(p, "status", JsonNode::isTextual, "problems[" + i + "].").textValue(),
                    field(p, "message", JsonNode::isTextual, "problems[" + i + "].").textValue()));
        }
        return problems;
    }

    private static JsonNode field(JsonNode node, String name, Predicate<JsonNode> ok) {
        return field(node, name, ok, "");
    }

    private static JsonNode field(JsonNode node, String name, Predicate<JsonNode> ok, String path) {
        JsonNode value = node.get(name);
        if (value == null || !ok.test(value)) {
            throw new IllegalArgumentException(path + name + ": " + (value == null ? "missing" : "malformed"));
        }
        return value;
    }
}
