// Vite's `?raw` suffix imports a file as a string; the worker tests are bundled by Vite.
declare module "*?raw" {
  const text: string;
  export default text;
}
