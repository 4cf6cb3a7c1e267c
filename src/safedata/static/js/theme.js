// Loaded in <head> without defer: applies a stored theme before the first paint,
// so a stored dark theme never flashes light. (No inline script: the CSP forbids it.)
try {
  const theme = localStorage.getItem("safedata-theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch (e) {
  // storage may be disabled; the automatic theme applies
}
