package io.dwb.runtime;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option not given on the command line takes its value from, in order: the environment variable
 * {@code DWB_FOO_BAR} for {@code --foo-bar}, then the key {@code foo-bar} of the properties file, then the option's
 * own default. Environment first, as container deployments expect.
 */
final class OptionDefaults implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> environment;
    private final Properties file;

    OptionDefaults(Map<String, String> environment, Properties file) {
        this.environment = environment;
        this.file = file;
    }

    static String environmentVariable(OptionSpec option) {
        return "DWB_" + key(option).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /**
     * Where {@code option}'s value came from when the command line did not give it: its environment variable, or the
     * file's key ({@code key in the --config file}); null when from neither (its own default).
     */
    String source(OptionSpec option) {
        if (environment.get(environmentVariable(option)) != null) {
            return environmentVariable(option);
        }
        return file.getProperty(key(option)) != null ? key(option) + " in the --config file" : null;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String fromEnvironment = environment.get(environmentVariable(option));
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        return file.getProperty(key(option));
    }

    static Properties load(Path path) {
        Properties properties = new Properties();
        if (path == null) {
            return properties;
        }
        try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new ConfigurationError("cannot read the configuration file " + path + ": " + Causes.fileProblem(e),
                    e);
        }
        return properties;
    }
}
