/** A promise and the function that settles it: code under test waits on `wait` until the test calls `open`. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}
