package dev.converge.agent.cli;

import dev.converge.agent.etcd.DeployConflictException;
import dev.converge.agent.etcd.EtcdStore;
import dev.converge.agent.etcd.EtcdStoreException;
import dev.converge.agent.etcd.EtcdUnavailableException;
import dev.converge.agent.etcd.StoredGraph;
import dev.converge.agent.graph.Diagnostic;
import dev.converge.agent.graph.InvalidGraphException;
import dev.converge.agent.graph.Planner;
import dev.converge.agent.yaml.GraphLoader;
import dev.converge.agent.yaml.LoadedGraph;
import dev.converge.resources.Kinds;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code agent deploy}: validates a graph file locally, then writes it to a host's graph key (or
 * {@code _all}) in one etcd transaction that fails if the key changed since it was read.
 * Exit 0 deployed; 1 lost a race or etcd refused; 2 invalid graph or usage (nothing written);
 * 3 etcd unreachable.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true,
        description = {"Validate a graph file, then write it to etcd for one host (--host, default this host) or every host (--all).",
                "The write is a transaction: if another deploy changed the key since it was read, nothing is written and the exit status is 1.",
                "Exit 0 deployed, 1 conflict or etcd error, 2 invalid graph or usage, 3 etcd unreachable."})
final class DeployCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "PATH", description = "The graph file (YAML).")
    Path file;

    static final class Target {
        @Option(names = "--host", paramLabel = "NAME", description = "Deploy to this host's key.")
        String host;

        @Option(names = "--all", description = "Deploy to the _all key: every host without a graph of its own.")
        boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Target target;

    @Option(names = "--expect-revision", paramLabel = "N",
            description = "Write only if the key is at this modification revision (0: only if absent); default: the revision read just before writing.")
    Long expectRevision;

    @Mixin
    EtcdOptions etcd;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Optional<String> yaml = validate(err);
            if (yaml.isEmpty()) {
                return Main.INVALID;
            }
            return deploy(yaml.get(), out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** The file's text when it is a valid graph; otherwise empty, with every problem printed. */
    private Optional<String> validate(PrintWriter err) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            err.println(file + ": not UTF-8 text; nothing deployed");
            return Optional.empty();
        } catch (IOException e) {
            err.println(file + ": cannot read: " + e.getMessage() + "; nothing deployed");
            return Optional.empty();
        }
        try {
            LoadedGraph loaded = new GraphLoader(Kinds.builtIn()).parse(file.toString(), text);
            loaded.diagnostics().forEach(err::println);
            Planner.plan(loaded.snapshot());
            return Optional.of(text);
        } catch (InvalidGraphException e) {
            e.diagnostics().forEach(err::println);
            long errors = e.diagnostics().stream().filter(Diagnostic::isError).count();
            err.println(file + ": invalid graph, " + errors + (errors == 1 ? " error" : " errors") + "; nothing deployed");
            return Optional.empty();
        }
    }

    private int deploy(String yaml, PrintWriter out, PrintWriter err) {
        String host;
        try {
            host = target != null && target.all ? EtcdStore.ALL
                    : EtcdStore.requireHost(target != null && target.host != null ? target.host : etcd.hostname());
        } catch (IllegalArgumentException e) {
            err.println("agent deploy: " + e.getMessage());
            return Main.INVALID;
        }
        try (EtcdStore store = EtcdStore.connect(etcd.settings())) {
            String key = host.equals(EtcdStore.ALL) ? store.allGraphKey() : store.graphKey(host);
            long expected = expectRevision != null ? expectRevision
                    : EtcdStore.retrying(etcd.retry(), () -> store.read(key)).map(StoredGraph::modRevision).orElse(0L);
            StoredGraph written = store.deploy(key, yaml, expected);
            out.println("deployed " + file + " to " + key + ": revision " + written.modRevision() + ", sha256 " + written.hash());
            return Main.OK;
        } catch (IllegalArgumentException e) {
            err.println("agent deploy: " + e.getMessage());
            return Main.INVALID;
        } catch (IOException e) {
            err.println("agent deploy: cannot read the etcd password file: " + e.getMessage());
            return Main.INVALID;
        } catch (DeployConflictException e) {
            err.println("agent deploy: " + e.getMessage() + " (check what is deployed, then deploy again)");
            return Main.FAILED;
        } catch (EtcdUnavailableException e) {
            err.println("agent deploy: " + e.getMessage() + (e.mayHaveApplied()
                    ? "; the deploy may or may not have been written: check with agent status"
                    : "; nothing deployed"));
            return EtcdOptions.UNREACHABLE;
        } catch (EtcdStoreException e) {
            err.println("agent deploy: " + e.getMessage() + "; nothing deployed");
            return Main.FAILED;
        }
    }
}
