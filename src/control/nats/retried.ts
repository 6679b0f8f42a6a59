// Idempotent JetStream operations (put/delete of a whole value, an append with a fixed id, opening a
// bucket or a watch, reading a status): after a lost acknowledgement or during a leader election,
// simply try again until the deadline.
export async function retried<T>(task: () => Promise<T>, deadlineMs = 8000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await task();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
