	pluginManagement {
    repositories {
        // maven("https://commented-out.example.com/plugins")
        maven { url = uri("https://plugins.corp.example.com/gradle") }
        gradlePluginPortal()
    }
}

plugins {
    id("org.gradle.toolchains.foojay-resolver-convention") version "0.8.0"
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        /* maven("https://block-comment.example.com/maven") */
        maven("https://jitpack.io")
    }
}

rootProject.name = "scoring"
include(":app")
