# The SBOM of a release whose version (--version) is not the pom's: the project's own components (group io.dwb:
# the process and the modules in its jar) get the release's version, in their version, purl and bom-ref, and in the
# dependency graph's references to them; every other component is left as Maven resolved it.
(.metadata.component.version) as $old
| ($old | gsub("(?<c>[.+*?()\\[\\]{}|^$\\\\])"; "\\\(.c)")) as $oldPattern
| walk(if type == "object" and .group == "io.dwb" and .version == $old then .version = $version else . end)
| walk(if type == "string" then gsub("(?<p>pkg:maven/io\\.dwb/[^@/?]+)@" + $oldPattern; "\(.p)@\($version)") else . end)
