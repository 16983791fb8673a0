package io.ferry.gateway.cli;

import io.ferry.gateway.security.ApiKeyFile;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ferry api-key}: makes an API key and the line of the API key file that admits it (only the
 * key's SHA-256 goes in the file). Main thread only.
 */
@Command(
        name = "api-key",
        mixinStandardHelpOptions = true,
        description = {
            "Prints a new random API key and its line for the api-keys file"
                    + " (gateway.security.<listener>.authentication.api-keys.file).",
            "Give the key to the client (it is stored nowhere); add the line to the file: the"
                    + " gateway re-reads it within reload-check-ms."
        })
final class ApiKeyCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-p", "--principal"},
            required = true,
            description = "who the key is for (rules name it); letters, digits and ._@:/+=-")
    String principal;

    @Option(
            names = {"-g", "--group"},
            split = ",",
            description = "a group of the principal (rules may name groups); repeatable")
    List<String> groups = new ArrayList<>();

    @Option(
            names = "--stdin",
            description =
                    "hash a key read from the standard input (one line) instead of making one")
    boolean stdin;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String key;
        if (stdin) {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null || line.isBlank()) {
                throw new ParameterException(spec.commandLine(), "--stdin: no key on the input");
            }
            key = line.trim();
        } else {
            key = ApiKeyFile.newKey(new SecureRandom());
        }
        String fileLine;
        try {
            fileLine = ApiKeyFile.line(principal, key, groups);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!stdin) {
            out.println("key:  " + key);
        }
        out.println("line: " + fileLine);
        out.flush();
        return 0;
    }
}
