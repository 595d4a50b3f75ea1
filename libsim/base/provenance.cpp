#include "base/provenance.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/utf8.hpp"
#include "base/versions.hpp"

namespace sim {
namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

std::string json_quote(const std::string& text) {
  const std::string valid = to_valid_utf8(text);
  std::string out = "\"";
  for (const char c : valid) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void append_tsv_escaped(std::string& out, std::string_view text) {
  // Fast path, which ids and class names nearly always take (sim-query writes k of them per query).
  const bool plain = std::all_of(text.begin(), text.end(), [](char c) { return c >= ' ' && c <= '~' && c != '\\'; });
  if (plain) {
    out.append(text);
    return;
  }
  for (const char c : to_valid_utf8(text)) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

std::string tsv_escape(const std::string& text) {
  std::string out;
  append_tsv_escaped(out, text);
  return out;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                            "_-+=./:,@%^") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string make_provenance(const std::string& program, const std::vector<std::string>& args) {
  std::string command_line;
  for (const std::string& arg : args) {
    if (!command_line.empty()) command_line += ' ';
    command_line += shell_quote(arg);
  }
  return "{\"program\":" + json_quote(program) + ",\"version\":" + json_quote(sim_version()) +
         ",\"command_line\":" + json_quote(command_line) + ",\"time\":" + json_quote(utc_now()) +
         ",\"host\":" + json_quote(host_name()) + "}";
}

std::string make_provenance(const std::string& program, int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc && argv != nullptr; ++i) args.emplace_back(argv[i] ? argv[i] : "");
  return make_provenance(program, args);
}

}  // namespace sim
