package dev.converge.resources.pkg;

import dev.converge.resources.ResourceException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One package manager, bound to the resource and context it works for. Every method runs at
 * most one process, and takes all the packages of a group at once.
 */
sealed interface Backend permits AptBackend, DnfBackend {

    /** How long a read-only query may run. */
    Duration QUERY_TIMEOUT = Duration.ofMinutes(2);

    /**
     * What the repositories offer for a package.
     *
     * @param candidate the version a plain install would pick
     * @param versions  every version the package lists know; empty when the backend does not
     *                  list them ({@link #listsVersions()} false)
     */
    record Offer(String candidate, Set<String> versions) {

        public Offer {
            versions = Set.copyOf(versions);
        }
    }

    /** Options of one transaction; every member of a group has the same. */
    record Options(boolean allowUntrusted, boolean allowDowngrade) {
    }

    /**
     * The installed versions of each of {@code names}: a list per name, empty when the package
     * is not installed (or only its configuration files are left).
     */
    Map<String, List<String>> installed(List<String> names) throws ResourceException, InterruptedException;

    /** What can be installed for each of {@code names}; a name the repositories lack is absent. */
    Map<String, Offer> offers(List<String> names) throws ResourceException, InterruptedException;

    /** True when {@link Offer#versions()} lists every available version, so a pin can be checked. */
    boolean listsVersions();

    /** The command that refreshes the package lists, e.g. {@code apt-get update}; empty if none. */
    Optional<String> refreshCommand();

    /** Refreshes the package lists; does nothing when {@link #refreshCommand()} is empty. */
    void refresh() throws ResourceException, InterruptedException;

    /** How an install transaction names a given version of a package. */
    String spec(String name, String version);

    /**
     * Installs (or upgrades to, or switches to) {@code specs} in one transaction.
     *
     * @throws TransactionFailedException when the transaction ran and failed; it names the specs
     *     the package manager said it could not find
     * @throws ResourceException when it could not run (lock still held, cannot start)
     */
    void install(List<String> specs, Options options) throws ResourceException, InterruptedException;

    /**
     * Removes {@code names} in one transaction.
     *
     * @throws TransactionFailedException when the transaction ran and failed
     * @throws ResourceException when it could not run
     */
    void remove(List<String> names, Options options) throws ResourceException, InterruptedException;

    /** The files (not directories) of an installed package; empty when it is not installed. */
    Set<Path> files(String name) throws ResourceException, InterruptedException;
}
