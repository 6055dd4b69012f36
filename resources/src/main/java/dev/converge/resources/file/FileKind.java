package dev.converge.resources.file;

import dev.converge.resources.Account;
import dev.converge.resources.AccountHints;
import dev.converge.resources.PathHints;
import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code file} kind: a regular file (content, a copied file, or fragments joined), a
 * directory (possibly a copied tree), a symbolic link, or nothing at a path; with owner, group
 * and mode. Field names and their rules follow mgmt's file resource; docs/resources/file.md
 * describes them.
 */
public final class FileKind implements ResourceKind<FileParams> {

    public static final String NAME = "file";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<FileParams> paramsType() {
        return FileParams.class;
    }

    @Override
    public FileParams defaults() {
        return FileParams.DEFAULTS;
    }

    /**
     * The path a declaration manages: {@code path} (the name when it is empty) with
     * {@code dirname} and {@code basename} applied; a directory keeps its trailing {@code /}.
     */
    public static String effectivePath(String name, FileParams p) {
        return FileSpec.effectivePath(name, p);
    }

    @Override
    public List<Problem> validate(String name, FileParams params) {
        var problems = new ArrayList<Problem>();
        FileSpec.parse(name, params, problems);
        return problems;
    }

    /** The file's path, once it is valid: two file resources must not manage one path. */
    @Override
    public Optional<Path> managedPath(String name, FileParams params) {
        return Optional.ofNullable(FileSpec.parse(name, params, new ArrayList<>())).map(FileSpec::path);
    }

    /** @throws IllegalArgumentException when {@link #validate} finds an error in {@code params} */
    @Override
    public Resource create(String name, FileParams params) {
        return new FileResource(ResourceId.of(NAME, name), spec(name, params));
    }

    /**
     * Provides the path; needs the path (so a resource providing that very path, such as a
     * package shipping it, or else the nearest managed ancestor directory comes first), the
     * source and the fragments.
     */
    @Override
    public PathHints pathHints(String name, FileParams params) {
        FileSpec spec = spec(name, params);
        Set<Path> needs = new LinkedHashSet<>();
        needs.add(spec.path());
        if (spec.source() != null) {
            needs.add(spec.source());
        }
        spec.fragments().forEach(f -> needs.add(f.path()));
        return new PathHints(Set.of(spec.path()), needs);
    }

    /**
     * Needs the account of {@code owner} and of {@code group} when they are names, not numeric
     * ids, and the file is to exist: a user or group resource that creates it comes first.
     */
    @Override
    public AccountHints accountHints(String name, FileParams params) {
        if ("absent".equals(params.state())) {
            return AccountHints.NONE;
        }
        var needs = new LinkedHashSet<Account>();
        Account.named(Account.Type.USER, params.owner()).ifPresent(needs::add);
        Account.named(Account.Type.GROUP, params.group()).ifPresent(needs::add);
        return AccountHints.needing(needs);
    }

    private static FileSpec spec(String name, FileParams params) {
        var problems = new ArrayList<Problem>();
        FileSpec spec = FileSpec.parse(name, params, problems);
        if (spec == null) {
            throw new IllegalArgumentException("invalid file resource " + name + ": " + problems.stream()
                    .filter(Problem::isError).map(Problem::message).collect(Collectors.joining("; ")));
        }
        return spec;
    }
}
