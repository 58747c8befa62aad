module.exports = {
  skipFiles: ["mocks/"],
  configureYulOptimizer: true,
};
