export function format(text) {
  return `[app] ${text}`;
}
