# Bash completion for sim's programs (installed as share/bash-completion/completions/<program>).
# Options, subcommands and the choices an option accepts come from the program's own --help
# (CLI11 prints "--loss TEXT:{multi_similarity,triplet,...}"), so completion always matches the
# program installed, with nothing to keep in step by hand. Option values and positionals complete
# as file names.

# The options of one --help: the names at the start of each option line ("  -o,--output TEXT ...").
_sim_options() {
  awk '/^Options:/ {on = 1; next} /^[^ ]/ {on = 0} on && /^  +-/ {n = split($1, a, ","); for (i = 1; i <= n; i++) print a[i]}'
}

# The subcommands a --help lists ("Subcommands:" then one indented name per line).
_sim_subcommands() {
  awk '/^Subcommands:/ {on = 1; next} /^[^ ]/ {on = 0} on && NF {print $1}'
}

_sim() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD - 1]}" program="${COMP_WORDS[0]}"
  local help subcommands subcommand="" word
  help="$("$program" --help 2>/dev/null)" || return 0
  subcommands="$(_sim_subcommands <<<"$help")"
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [[ -n $word ]] && grep -qxF -- "$word" <<<"$subcommands"; then
      subcommand="$word"
      break
    fi
  done
  local options
  if [[ -n $subcommand ]]; then
    help="$("$program" "$subcommand" --help 2>/dev/null)"
    # A subcommand also takes the options every program has (cli/program.cpp), after its name.
    options="$(_sim_options <<<"$help") --threads --seed -v --verbose -q --quiet"
  else
    options="$(_sim_options <<<"$help")"
  fi

  # The value of the option before the cursor: its choices, else a file name.
  if [[ $prev == -* ]]; then
    local line
    line="$(grep -E -- "^ +(-[^ ]*,)?${prev}( |,|$)" <<<"$help" | head -n 1)"
    if [[ -n $line ]]; then
      local rest="${line#*"${prev}"}"
      rest="${rest#"${rest%%[! ]*}"}"  # what follows the option's names: its type, or its help
      if [[ $rest =~ ^[A-Z][A-Za-z]*(:|[[:space:]]|$) ]]; then
        if [[ ${rest%%[[:space:]]*} =~ \{([^}]*)\} ]]; then
          local IFS=$'\n'
          mapfile -t COMPREPLY < <(compgen -W "${BASH_REMATCH[1]//,/$'\n'}" -- "$cur")
        else
          compopt -o filenames 2>/dev/null
          mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
      fi
    fi
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return 0
  fi
  compopt -o filenames 2>/dev/null
  mapfile -t COMPREPLY < <(
    [[ -z $subcommand ]] && compgen -W "$subcommands" -- "$cur"
    compgen -f -- "$cur"
  )
}

complete -F _sim sim-train sim-embed sim-index sim-query sim-eval sim-info
