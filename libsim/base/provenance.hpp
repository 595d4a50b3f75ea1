// Provenance recorded inside artifacts (as samtools' @PG lines): which program and sim version
// wrote a file, with what command line, when and where.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sim {

// A one-line JSON object:
//   {"program":"sim-embed","version":"0.1.0","command_line":"sim-embed model.sim imgs/ -o 'my emb.h5'",
//    "time":"2024-05-01T12:00:00Z","host":"box"}
// command_line is argv joined with spaces, each argument shell-quoted when it needs it, so it can be
// pasted back into a shell. time is UTC, to the second. Bytes that are not UTF-8 (file names can be
// anything) become U+FFFD so that the result is always valid JSON. Never throws for any argv.
std::string make_provenance(const std::string& program, int argc, const char* const* argv);
std::string make_provenance(const std::string& program, const std::vector<std::string>& args);

// `text` as a JSON string literal, quotes included (control characters escaped, invalid UTF-8
// replaced by U+FFFD).
std::string json_quote(const std::string& text);

// `text` as one TSV field: backslash, tab, newline and carriage return become \\, \t, \n, \r
// (the convention of sim's TSV outputs), invalid UTF-8 becomes U+FFFD.
std::string tsv_escape(const std::string& text);
// The same, appended to `out` (no temporary string: sim-query writes several fields per result).
void append_tsv_escaped(std::string& out, std::string_view text);

// `arg` as one POSIX shell word: unchanged when it only holds safe characters, else single-quoted.
std::string shell_quote(const std::string& arg);

}  // namespace sim
