/** A directory file that cannot be used: names the file and the JSON path so an operator can fix it. */
export class DirectoryLoadError extends Error {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    problem: string,
  ) {
    super(`${file}: ${jsonPath}: ${problem}`);
    this.name = 'DirectoryLoadError';
  }
}
