package dev.converge.resources.file;

import dev.converge.resources.Problem;
import dev.converge.resources.Resource;
import dev.converge.resources.ResourceId;
import dev.converge.resources.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The {@code file} kind: a regular file with a given content and mode, or no file at all. */
public final class FileKind implements ResourceKind<FileParams> {

    public static final String NAME = "file";

    private static final Pattern OCTAL_MODE = Pattern.compile("0?[0-7]{3}");

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

    /** The path a declaration manages: {@code path}, or the name when {@code path} is empty. */
    public static String effectivePath(String name, FileParams p) {
        return p.path().isEmpty() ? name : p.path();
    }

    @Override
    public List<Problem> validate(String name, FileParams p) {
        var problems = new ArrayList<Problem>();
        String path = effectivePath(name, p);
        String field = p.path().isEmpty() ? null : "path";
        if (!path.startsWith("/")) {
            problems.add(Problem.error(field, "path must be absolute, got '" + path + "'"));
        } else if (path.endsWith("/")) {
            problems.add(Problem.error(field,
                    "path '" + path + "' names a directory; this version manages regular files only"));
        }
        if (!p.state().equals("exists") && !p.state().equals("absent")) {
            problems.add(Problem.error("state", "state must be 'exists' or 'absent', got '" + p.state() + "'"));
        }
        if (p.mode() != null && !OCTAL_MODE.matcher(p.mode()).matches()) {
            problems.add(Problem.error("mode", "mode must be octal like 0644, got '" + p.mode() + "'"));
        }
        return problems;
    }

    @Override
    public Resource create(String name, FileParams params) {
        return new FileResource(ResourceId.of(NAME, name), effectivePath(name, params), params);
    }
}
